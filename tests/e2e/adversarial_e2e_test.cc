// The threat model, tested the way an attacker would: a malicious child (saferun-attacker),
// running as an unprivileged user like safe-run itself, tries every route to the provider key
// while the key sits in each kind of source. Every attack must fail, everything it gathered
// and everything safe-run printed must be free of the key's bytes, and the honest request
// through the broker must still reach the upstream with the real key.
//
// CI runs as root, and root bypasses the kernel's checks: as root, the session is started
// through setpriv as uid/gid 65534 (nobody). Not as root, the test user is unprivileged
// already. Either way the attack runs unprivileged; nothing is skipped.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "tests/e2e/safe_run.h"
#include "tests/support/fake_upstream.h"

using namespace saferun::test;

namespace {

constexpr uid_t kNobody = 65534;
const std::string kStubs = std::string(SAFE_RUN_SOURCE_DIR) + "/tests/support/stubs";

enum class Source { env, file, fd, command };

struct Attack {
  ProcessResult result;
  std::string loot;
  bool upstream_saw_key = false;
  bool upstream_saw_token_prefix = false;
};

// A directory the attacking user owns (and nobody else can read).
std::string private_dir(const TempDir& base, const std::string& name) {
  auto path = base.path() + "/" + name;
  std::filesystem::create_directory(path);
  ::chmod(path.c_str(), 0700);
  if (::geteuid() == 0 && ::chown(path.c_str(), kNobody, kNobody) != 0) FAIL("chown " << path);
  return path;
}

std::string private_file(const std::string& path, const std::string& content) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()));
  ::close(fd);
  if (::geteuid() == 0 && ::chown(path.c_str(), kNobody, kNobody) != 0) FAIL("chown " << path);
  return path;
}

std::string secret_json(Source source, const std::string& keys_dir) {
  switch (source) {
    case Source::env: return R"({"env": "ANTHROPIC_API_KEY"})";
    case Source::file: return R"({"file": ")" + keys_dir + R"(/anthropic.key"})";
    case Source::fd: return R"({"fd": 3})";
    case Source::command: return R"({"command": ["pass", "show", "anthropic"]})";
  }
  return {};
}

// A copy of `file` in `dir` that the unprivileged user can execute or read, wherever the
// build tree lives (a checkout under /root is not reachable for uid 65534).
std::string reachable_copy(const std::string& file, const std::string& dir) {
  auto copy = dir + "/" + std::filesystem::path(file).filename().string();
  std::filesystem::copy(file, copy, std::filesystem::copy_options::recursive);
  return copy;
}

Attack run_attack(Source source, const std::string& key) {
  TempDir base;
  ::chmod(base.path().c_str(), 0755);
  auto bin = base.path() + "/bin";
  std::filesystem::create_directory(bin);
  auto safe_run = reachable_copy(safe_run_binary(), bin);
  auto attacker = reachable_copy(ATTACKER_BINARY, bin);
  auto stubs = reachable_copy(kStubs, bin);
  auto keys = private_dir(base, "keys");
  auto vault = private_dir(base, "vault");
  auto runtime = private_dir(base, "runtime");
  auto tmp = private_dir(base, "tmp");
  auto loot_dir = private_dir(base, "loot");
  auto key_file = private_file(keys + "/anthropic.key", key + "\n");
  private_file(vault + "/anthropic", key);
  FakeUpstream upstream;
  auto config = base.write("config.json", R"({"routes": [{"name": "anthropic", "provider": "anthropic",
    "upstream": ")" + upstream.origin() + R"(/anthropic", "credential": "x-api-key: {secret}",
    "secret": )" + secret_json(source, keys) + R"(, "allow": ["POST /v1/messages"],
    "child_env": {"ANTHROPIC_BASE_URL": "{base_url}", "ANTHROPIC_API_KEY": "{token}"}}]})", 0644);

  std::vector<std::string> argv;
  if (::geteuid() == 0) argv = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"};
  // XDG_RUNTIME_DIR is passed so the attacker knows where the session directory is.
  argv.insert(argv.end(), {safe_run, "--config", config, "--pass-env", "XDG_RUNTIME_DIR", "--", attacker,
                           loot_dir + "/loot.bin"});
  std::vector<std::string> env = {"PATH=" + stubs + ":/usr/bin:/bin", "HOME=" + base.path(), "LANG=C.UTF-8",
                                  "TMPDIR=" + tmp, "XDG_RUNTIME_DIR=" + runtime, "SAFE_RUN_TEST_VAULT=" + vault};
  if (source == Source::env) env.push_back("ANTHROPIC_API_KEY=" + key);
  std::vector<std::pair<int, int>> fds;
  int key_fd = -1;
  if (source == Source::fd) {
    key_fd = ::open(key_file.c_str(), O_RDONLY | O_CLOEXEC);
    REQUIRE(key_fd >= 0);
    fds.push_back({3, key_fd});
  }
  Process process(argv, env, fds);
  if (key_fd >= 0) ::close(key_fd);
  process.close_stdin();
  Attack attack{process.finish(std::chrono::seconds(60)), read_file(loot_dir + "/loot.bin"), false, false};
  for (const auto& request : upstream.requests()) {
    attack.upstream_saw_key = attack.upstream_saw_key || same_secret(request.header("x-api-key"), key);
    attack.upstream_saw_token_prefix = attack.upstream_saw_token_prefix || contains(request.header("x-api-key"), "srt_");
  }
  return attack;
}

void check_attack_failed(const Attack& attack, const std::string& key) {
  const auto& report = attack.result.out;
  INFO(report);  // the attacker's report: attack names and outcomes only
  REQUIRE(attack.result.status == 0);
  for (const char* blocked : {"proc-environ: blocked", "proc-mem: blocked", "ptrace-attach: blocked",
                              "ptrace-seize: blocked", "process_vm_readv: blocked", "proc-fd: blocked",
                              "inherited-fds: blocked", "redirect-followed: blocked"})
    CHECK(contains(report, std::string("attack ") + blocked));
  for (const char* refused : {"broker-no-token", "broker-wrong-token", "broker-token-in-api-key",
                              "broker-token-in-goog-header", "broker-token-in-proxy-authorization",
                              "broker-token-in-query"})
    CHECK(contains(report, std::string("attack ") + refused + ": answered 401"));
  CHECK(contains(report, "attack broker-off-allowlist: answered 403"));
  CHECK(contains(report, "attack broker-absolute-form: answered 400"));
  CHECK(contains(report, "attack broker-traversal: answered 400"));
  CHECK(contains(report, "attack upstream-reflects-headers: answered 400"));
  CHECK(contains(report, "attack upstream-redirect: answered 307"));
  CHECK(contains(report, "attack broker-with-token: answered 200"));
  CHECK(contains(report, "attack files: read 2 files"));  // the session's owner record and audit log
  CHECK(contains(attack.loot, "\"decision\":\"denied_auth\""));  // the audit log was in reach, and clean
  CHECK(attack.loot.size() > 0);
  CHECK_FALSE(contains(attack.loot, key));
  CHECK_FALSE(contains(attack.result.out + attack.result.err, key));
  CHECK(attack.upstream_saw_key);
  CHECK_FALSE(attack.upstream_saw_token_prefix);
}

}  // namespace

TEST_CASE("an unprivileged malicious child cannot get a key held in the environment", "[e2e][adversarial]") {
  auto key = fake_key("sk-ant-env-");
  check_attack_failed(run_attack(Source::env, key), key);
}

TEST_CASE("an unprivileged malicious child cannot get a key read from a file", "[e2e][adversarial]") {
  auto key = fake_key("sk-ant-file-");
  check_attack_failed(run_attack(Source::file, key), key);
}

TEST_CASE("an unprivileged malicious child cannot get a key read from an fd", "[e2e][adversarial]") {
  auto key = fake_key("sk-ant-fd-");
  check_attack_failed(run_attack(Source::fd, key), key);
}

TEST_CASE("an unprivileged malicious child cannot get a key from a vault command", "[e2e][adversarial]") {
  auto key = fake_key("sk-ant-cmd-");
  check_attack_failed(run_attack(Source::command, key), key);
}
