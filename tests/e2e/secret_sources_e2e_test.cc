// Every kind of secret source, unlocked once before the child starts: env, file, fd and
// commands that behave like op, az, pass, secret-tool, vault, aws and gcloud. A failing source
// stops safe-run with 125 before any child runs, naming the route and the source.

#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "tests/e2e/safe_run.h"
#include "tests/support/fake_upstream.h"

using namespace saferun::test;

namespace {

const std::string kStubs = std::string(SAFE_RUN_SOURCE_DIR) + "/tests/support/stubs";

struct SourceRun {
  ProcessResult result;
  std::string upstream_key;  // the x-api-key the upstream received, "" if nothing arrived
  bool child_started = false;
};

// One session whose anthropic route takes its secret from `secret_json`; the child makes one
// call through the broker.
SourceRun run_with_secret(const TempDir& dir, const std::string& secret_json, std::vector<std::string> env = {},
                          const std::vector<std::pair<int, int>>& fds = {}) {
  FakeUpstream upstream;
  auto config = dir.write("config.json", R"({"routes": [{"name": "anthropic", "provider": "anthropic",
    "upstream": ")" + upstream.origin() + R"(/anthropic", "credential": "x-api-key: {secret}", "secret": )" +
                                              secret_json + R"(, "allow": ["POST /v1/messages"],
    "child_env": {"ANTHROPIC_BASE_URL": "{base_url}", "ANTHROPIC_API_KEY": "{token}"}}]})");
  auto marker = dir.path() + "/child-ran";
  env.push_back("XDG_RUNTIME_DIR=" + dir.path());
  env.push_back("PATH=" + kStubs + ":/usr/bin:/bin");
  Process process(safe_run_argv({"--config", config, "--", "/bin/sh", "-c",
                                 "touch " + marker + "; curl -s -o /dev/null -H \"x-api-key: $ANTHROPIC_API_KEY\" "
                                 "-d '{}' \"$ANTHROPIC_BASE_URL/v1/messages\""}),
                  base_env(env), fds);
  process.close_stdin();
  SourceRun run{process.finish(), {}, false};
  auto requests = upstream.requests();
  if (!requests.empty()) run.upstream_key = requests.front().header("x-api-key");
  run.child_started = std::filesystem::exists(marker);
  return run;
}

std::string vault_with(const TempDir& dir, const std::string& name, const std::string& key) {
  std::filesystem::create_directories(dir.path() + "/vault");
  dir.write("vault/" + name, key);
  return "SAFE_RUN_TEST_VAULT=" + dir.path() + "/vault";
}

}  // namespace

TEST_CASE("a key in a private file reaches the upstream", "[e2e][secrets]") {
  TempDir dir;
  auto key = fake_key();
  auto path = dir.write("anthropic.key", key + "\n", 0600);
  auto run = run_with_secret(dir, R"({"file": ")" + path + R"("})");
  CHECK(run.result.status == 0);
  CHECK(same_secret(run.upstream_key, key));
  CHECK_FALSE(contains(run.result.out + run.result.err, key));
}

TEST_CASE("a key file readable by others is refused with 125 before the child starts", "[e2e][secrets]") {
  TempDir dir;
  auto key = fake_key();
  auto path = dir.write("anthropic.key", key, 0644);
  auto run = run_with_secret(dir, R"({"file": ")" + path + R"("})");
  CHECK(run.result.status == 125);
  CHECK(contains(run.result.err, "route 'anthropic': secret file " + path + ": readable by group or others (mode 0644)"));
  CHECK_FALSE(run.child_started);
  CHECK_FALSE(contains(run.result.err, key));
}

TEST_CASE("a missing key file is refused with 125 naming it", "[e2e][secrets]") {
  TempDir dir;
  auto run = run_with_secret(dir, R"({"file": ")" + dir.path() + R"(/absent.key"})");
  CHECK(run.result.status == 125);
  CHECK(contains(run.result.err, "route 'anthropic': secret file " + dir.path() + "/absent.key: No such file or directory"));
  CHECK_FALSE(run.child_started);
}

TEST_CASE("a key on an inherited fd reaches the upstream and the fd is closed", "[e2e][secrets]") {
  TempDir dir;
  auto key = fake_key();
  auto path = dir.write("fd.key", key + "\n");
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  auto run = run_with_secret(dir, R"({"fd": 3})", {}, {{3, fd}});
  ::close(fd);
  CHECK(run.result.status == 0);
  CHECK(same_secret(run.upstream_key, key));
}

TEST_CASE("an fd source that is not open is refused with 125", "[e2e][secrets]") {
  TempDir dir;
  auto run = run_with_secret(dir, R"({"fd": 7})");
  CHECK(run.result.status == 125);
  CHECK(contains(run.result.err, "route 'anthropic': secret fd 7: not open"));
  CHECK_FALSE(run.child_started);
}

TEST_CASE("keys from password-manager and vault CLIs reach the upstream", "[e2e][secrets]") {
  const std::vector<std::pair<std::string, std::string>> commands = {
      {"op", R"(["op", "read", "op://Private/Anthropic/credential"])"},
      {"az", R"(["az", "keyvault", "secret", "show", "--vault-name", "V", "--name", "credential", "--query", "value", "-o", "tsv"])"},
      {"pass", R"(["pass", "show", "credential"])"},
      {"secret-tool", R"(["secret-tool", "lookup", "service", "credential"])"},
      {"vault", R"(["vault", "kv", "get", "-field=key", "secret/credential"])"},
      {"aws", R"(["aws", "secretsmanager", "get-secret-value", "--secret-id", "credential", "--query", "SecretString", "--output", "text"])"},
      {"gcloud", R"(["gcloud", "secrets", "versions", "access", "latest", "--secret=credential"])"},
  };
  for (const auto& [tool, argv] : commands) {
    INFO(tool);
    TempDir dir;
    auto key = fake_key();
    auto run = run_with_secret(dir, R"({"command": )" + argv + "}", {vault_with(dir, "credential", key)});
    CHECK(run.result.status == 0);
    CHECK(same_secret(run.upstream_key, key));
    CHECK(contains(run.result.err, "stub " + tool + ": checking credentials"));  // stderr is the operator's
    CHECK_FALSE(contains(run.result.out + run.result.err, key));
  }
}

TEST_CASE("a secret command that fails is refused with 125 naming the route and program", "[e2e][secrets]") {
  TempDir dir;
  auto vault = vault_with(dir, "credential", fake_key());
  dir.write("vault/.signed-out", "");
  auto run = run_with_secret(dir, R"({"command": ["op", "read", "op://Private/Anthropic/credential"]})", {vault});
  CHECK(run.result.status == 125);
  CHECK(contains(run.result.err, "You are not currently signed in"));
  CHECK(contains(run.result.err, "safe-run: route 'anthropic': secret command op: exited 1"));
  CHECK_FALSE(run.child_started);
}

TEST_CASE("a secret command that hangs is ended at its timeout with 125", "[e2e][secrets]") {
  TempDir dir;
  auto vault = vault_with(dir, "credential", fake_key());
  dir.write("vault/.slow", "");
  auto started = std::chrono::steady_clock::now();
  auto run = run_with_secret(dir, R"({"command": ["pass", "show", "credential"], "timeout_seconds": 1})", {vault});
  CHECK(run.result.status == 125);
  CHECK(contains(run.result.err, "route 'anthropic': secret command pass: timed out after 1 s"));
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(10));
  CHECK_FALSE(run.child_started);
}

TEST_CASE("a secret command that prints nothing or does not exist is refused with 125", "[e2e][secrets]") {
  TempDir dir;
  auto vault = vault_with(dir, "credential", fake_key());
  dir.write("vault/.empty", "");
  auto empty = run_with_secret(dir, R"({"command": ["pass", "show", "credential"]})", {vault});
  CHECK(empty.result.status == 125);
  CHECK(contains(empty.result.err, "secret command pass: printed nothing"));
  auto missing = run_with_secret(dir, R"({"command": ["no-such-vault-cli"]})");
  CHECK(missing.result.status == 125);
  CHECK(contains(missing.result.err, "secret command no-such-vault-cli: cannot run: No such file or directory"));
}

TEST_CASE("safe-run check reports each route and exits 0 only when all unlock", "[e2e][secrets]") {
  TempDir dir;
  auto key = fake_key();
  auto good = dir.write("good.key", key, 0600);
  auto config = dir.write("check.json", R"({"routes": [
    {"name": "a", "upstream": "https://a.example", "credential": "x-api-key: {secret}", "secret": {"file": ")" + good + R"("}, "allow": []},
    {"name": "b", "upstream": "https://b.example", "credential": "x-api-key: {secret}", "secret": {"env": "B_KEY_FOR_CHECK"}, "allow": []}]})");
  auto failing = run_process(safe_run_argv({"--config", config, "check"}), base_env());
  CHECK(failing.status == 1);
  CHECK(contains(failing.out, "route a: OK (file:" + good + ")\n"));
  CHECK(contains(failing.out, "route b: FAILED (env:B_KEY_FOR_CHECK): $B_KEY_FOR_CHECK is not set\n"));
  auto passing = run_process(safe_run_argv({"--config", config, "check"}), base_env({"B_KEY_FOR_CHECK=" + fake_key()}));
  CHECK(passing.status == 0);
  CHECK_FALSE(contains(passing.out + passing.err, key));
}
