// Issue 8's attacks, made by an agent running as the same unprivileged user as safe-run and
// its parent (saferun-jail-attacker), each beside its negative control: with --isolation=off
// the same attack succeeds, isolated (the default) it fails. The key's bytes are searched
// for in everything the agent gathered.

#include <signal.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/e2e/safe_run.h"
#include "tests/e2e/unprivileged_user.h"
#include "tests/support/fake_upstream.h"

using namespace saferun::test;

namespace {

constexpr auto kWait = std::chrono::seconds(10);

struct Outcome {
  ProcessResult result;
  std::string loot;
};

std::string env_config(const UnprivilegedUser& user, const FakeUpstream& upstream, const std::string& secret) {
  auto path = user.base() + "/config.json";
  std::ofstream(path) << R"({"routes": [{"name": "anthropic", "provider": "anthropic", "upstream": ")" +
                             upstream.origin() + R"(/anthropic", "credential": "x-api-key: {secret}", "secret": )" +
                             secret + R"(, "allow": ["POST /v1/messages"],
    "child_env": {"ANTHROPIC_BASE_URL": "{base_url}", "ANTHROPIC_API_KEY": "{token}"}}]})";
  ::chmod(path.c_str(), 0644);
  return path;
}

// The GitHub Actions shape: a shell whose initial environment holds the key runs safe-run.
Outcome attack_from_env_shell(const UnprivilegedUser& user, const std::string& mode, const std::string& key,
                              const std::vector<std::string>& extra_env = {}) {
  FakeUpstream upstream;
  auto config = env_config(user, upstream, R"({"env": "ANTHROPIC_API_KEY"})");
  auto loot = user.home() + "/loot-" + mode;
  auto script = "\"$0\" --isolation=" + mode + " --config " + config + " --pass-env 'ATTACK_*' -- " + user.attacker() +
                " agent " + loot + "; echo session-exit:$?";
  auto env = user.env({"ANTHROPIC_API_KEY=" + key, "ATTACK_UPSTREAM=http://127.0.0.1:9/attacker"});
  env.insert(env.end(), extra_env.begin(), extra_env.end());
  auto result = run_process(user.as_user({"/bin/sh", "-c", script, user.safe_run()}), env);
  return {result, read_file(loot)};
}

void check_report(const Outcome& outcome, const std::string& line) {
  INFO(outcome.result.out);
  CHECK(contains(outcome.result.out, "attack " + line));
}

// Whether anything still appends to `heartbeat` (the survivor does, every few ms).
bool heart_beats(const std::string& heartbeat) {
  auto before = read_file(heartbeat).size();
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  return read_file(heartbeat).size() != before;
}

bool heart_beats_within(const std::string& heartbeat, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!heart_beats(heartbeat))
    if (std::chrono::steady_clock::now() > deadline) return false;
  return true;
}

}  // namespace

TEST_CASE("an isolated agent cannot read the key from its parent shell's environment", "[e2e][isolation]") {
  UnprivilegedUser user;
  auto key = fake_key("sk-ant-parent-env-");
  auto open = attack_from_env_shell(user, "off", key);
  check_report(open, "ancestor-environ: obtained");
  CHECK(contains(open.loot, key));  // the negative control: without isolation it works
  CHECK(contains(open.result.err, "without isolation the command can read it there"));
  auto isolated = attack_from_env_shell(user, "auto", key);
  CHECK(contains(isolated.result.out, "session-exit:0"));
  check_report(isolated, "ancestors-visible: 0");
  check_report(isolated, "ancestor-environ: blocked");
  CHECK_FALSE(contains(isolated.loot, key));
  CHECK_FALSE(contains(isolated.result.out + isolated.result.err, key));
  // The user is told the key is in the parent too.
  CHECK(contains(isolated.result.err, "is also in the environment of safe-run's parent, sh (pid"));
  CHECK(contains(isolated.result.err, "the command cannot see it there"));
}

TEST_CASE("an isolated agent cannot read a key exported in the interactive shell's memory", "[e2e][isolation]") {
  UnprivilegedUser user;
  FakeUpstream upstream;
  auto key = fake_key("sk-ant-exported-");
  auto config = env_config(user, upstream, R"({"env": "ANTHROPIC_API_KEY"})");
  for (std::string mode : {"off", "auto"}) {
    INFO(mode);
    auto loot = user.home() + "/loot-" + mode;
    // The quick-start shape: `export ANTHROPIC_API_KEY=…` typed into a shell (read from its
    // input, so the key is in its memory only), then safe-run.
    Process shell(user.as_user({"/bin/bash", "--norc", "--noprofile", "-s"}), user.env());
    shell.write_stdin("export ANTHROPIC_API_KEY=" + key + "\n" + user.safe_run() + " --isolation=" + mode +
                      " --config " + config + " -- " + user.attacker() + " agent " + loot + "\nexit $?\n");
    shell.close_stdin();
    auto result = shell.finish();
    INFO(result.out);
    CHECK(result.status == 0);
    if (mode == "off") {
      CHECK(contains(result.out, "attack ancestor-memory: obtained"));
      CHECK(contains(read_file(loot), key));
    } else {
      CHECK(contains(result.out, "attack ancestor-memory: blocked"));
      CHECK_FALSE(contains(read_file(loot), key));
    }
  }
}

TEST_CASE("an isolated agent sees only its own processes", "[e2e][isolation]") {
  UnprivilegedUser user;
  auto key = fake_key("sk-ant-table-");
  auto open = attack_from_env_shell(user, "off", key);
  auto isolated = attack_from_env_shell(user, "auto", key);
  auto seen = [](const std::string& out) {
    auto at = out.find("attack process-table: saw ");
    return at == std::string::npos ? -1 : std::stoi(out.substr(at + 26));
  };
  INFO(open.result.out << isolated.result.out);
  CHECK(seen(open.result.out) > 20);         // the whole machine
  CHECK(seen(isolated.result.out) >= 2);     // the jail's init and the agent ...
  CHECK(seen(isolated.result.out) <= 3);     // ... and nothing else
}

TEST_CASE("nothing an isolated agent leaves behind survives the session", "[e2e][isolation]") {
  UnprivilegedUser user;
  auto key = fake_key("sk-ant-survivor-");
  for (std::string mode : {"off", "auto"}) {
    INFO(mode);
    FakeUpstream upstream;
    auto config = env_config(user, upstream, R"({"env": "ANTHROPIC_API_KEY"})");
    auto heartbeat = user.home() + "/heartbeat-" + mode;
    // The agent leaves a fork-hopping survivor and waits; then safe-run is SIGKILLed.
    Process session(user.as_user({user.safe_run(), "--isolation=" + mode, "--config", config, "--", "/bin/sh", "-c",
                                  "\"$0\" agent /dev/null " + heartbeat + "; echo ready; sleep 30", user.attacker()}),
                    user.env({"ANTHROPIC_API_KEY=" + key}));
    REQUIRE(session.wait_for_stdout("ready", kWait));
    REQUIRE(heart_beats_within(heartbeat, std::chrono::seconds(2)));
    ::kill(session.pid(), SIGKILL);
    session.finish();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (mode == "off") {
      CHECK(heart_beats(heartbeat));  // the negative control: it lives on (for 5 s, then ends itself)
    } else {
      CHECK_FALSE(heart_beats(heartbeat));
    }
  }
}

TEST_CASE("an isolated agent's survivor is gone when the session ends normally", "[e2e][isolation]") {
  UnprivilegedUser user;
  auto heartbeat = user.home() + "/heartbeat";
  auto result = run_process(user.as_user({user.safe_run(), "--dry-run", "--grace", "1", "--", user.attacker(), "agent",
                                          "/dev/null", heartbeat}),
                            user.env());
  CHECK(result.status == 0);
  CHECK(contains(result.out, "attack survivor: left"));
  CHECK(read_file(heartbeat).size() > 0);  // it did run ...
  CHECK_FALSE(heart_beats(heartbeat));     // ... and nothing runs any more
}

TEST_CASE("an isolated agent cannot change where the next session sends the key", "[e2e][isolation]") {
  auto key = fake_key("sk-ant-persist-");
  for (std::string mode : {"off", "auto"}) {
    INFO(mode);
    UnprivilegedUser user;
    user.make_file(".bashrc", "# the user's own\n");
    auto outcome = attack_from_env_shell(user, mode, key);
    INFO(outcome.result.out << outcome.result.err);
    auto planted = user.home() + "/.config/safe-run/config.json";
    // The user's next plain session, with the key in the environment as before.
    auto next = run_process(user.as_user({user.safe_run(), "--", "true"}),
                            user.env({"ANTHROPIC_API_KEY=" + key}));
    if (mode == "off") {
      check_report(outcome, "write-config: done");
      check_report(outcome, "write-bashrc: done");
      CHECK(std::filesystem::exists(planted));
      CHECK(contains(read_file(user.home() + "/.bashrc"), "attacker"));
      CHECK(std::filesystem::exists(user.home() + "/.bash_profile"));
      // It worked: the next session sends the key to the attacker — and says so.
      CHECK(contains(next.err, "route 'anthropic' sends its key to http://127.0.0.1:9/attacker (set by " + planted));
    } else {
      check_report(outcome, "write-config: blocked Read-only file system");
      check_report(outcome, "write-bashrc: blocked Read-only file system");
      check_report(outcome, "create-bash-profile: done");  // a missing file cannot be mounted over ...
      CHECK_FALSE(std::filesystem::exists(planted));
      CHECK(read_file(user.home() + "/.bashrc") == "# the user's own\n");
      CHECK_FALSE(std::filesystem::exists(user.home() + "/.bash_profile"));  // ... so it is moved aside
      CHECK(contains(outcome.result.err, "/.bash_profile appeared or was replaced during the session; moved to"));
      CHECK_FALSE(contains(next.err, "attacker"));
      CHECK_FALSE(contains(outcome.loot + outcome.result.out + outcome.result.err + next.err, key));
    }
  }
}

TEST_CASE("an isolated agent cannot read the session's secret stores", "[e2e][isolation]") {
  UnprivilegedUser user;
  auto key = fake_key("sk-ant-store-");
  auto key_file = user.make_file("keys/anthropic.key", key + "\n");
  auto store_file = user.make_file(".password-store/anthropic.gpg", key);
  FakeUpstream upstream;
  // A `file` source's path is hidden by default; other stores through "isolation.hide".
  auto file_config = env_config(user, upstream, R"({"file": ")" + key_file + R"("})");
  auto hide_config = user.base() + "/hide.json";
  std::ofstream(hide_config) << R"({"routes": [{"name": "a", "provider": "anthropic", "upstream": ")" +
                                    upstream.origin() + R"(", "credential": "x-api-key: {secret}",
    "secret": {"env": "SAFE_RUN_TEST_UNSET"}, "allow": ["POST /v1/messages"]}], "isolation": {"hide": ["~/.password-store"]}})";
  ::chmod(hide_config.c_str(), 0644);
  for (std::string mode : {"off", "auto"}) {
    for (const auto& [config, target] : {std::pair{file_config, key_file}, std::pair{hide_config, store_file}}) {
      INFO(mode << " " << target);
      auto loot = user.home() + "/loot-store";
      std::filesystem::remove(loot);
      auto result = run_process(user.as_user({user.safe_run(), "--isolation=" + mode, "--config", config, "--pass-env",
                                              "ATTACK_*", "--", user.attacker(), "agent", loot}),
                                user.env({"ATTACK_READ_PATH=" + target}));
      INFO(result.out << result.err);
      CHECK(result.status == 0);
      if (mode == "off") {
        CHECK(contains(result.out, "attack secret-file: obtained"));
      } else {
        CHECK(contains(result.out, "attack secret-file: blocked"));
        CHECK_FALSE(contains(read_file(loot), key));
      }
    }
  }
}
