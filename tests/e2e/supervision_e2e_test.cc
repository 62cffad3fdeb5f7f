// Signals mean what they always mean, the exit status is the child's, CI pipes pass through
// untouched, and when the session ends nothing of it keeps running.

#include <signal.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/e2e/safe_run.h"
#include "tests/support/pty_process.h"
#include "tests/support/raw_http.h"

using namespace saferun::test;

namespace {

constexpr auto kWait = std::chrono::seconds(10);

}  // namespace

TEST_CASE("each relayed signal sent with kill reaches the child exactly once", "[e2e][supervision]") {
  TempDir runtime;
  std::string traps;
  for (const char* name : {"INT", "HUP", "QUIT", "USR1", "USR2"}) traps += std::string("trap 'echo got-") + name + "' " + name + "; ";
  Process process(safe_run_argv({"--dry-run", "-q", "--", "/bin/sh", "-c",
                                 traps + "trap 'echo got-TERM; exit 0' TERM; echo ready; while :; do sleep 0.02; done"}),
                  base_env({"XDG_RUNTIME_DIR=" + runtime.path()}));
  REQUIRE(process.wait_for_stdout("ready", kWait));
  for (auto [signal_number, name] : std::vector<std::pair<int, std::string>>{
           {SIGUSR1, "USR1"}, {SIGUSR2, "USR2"}, {SIGQUIT, "QUIT"}, {SIGHUP, "HUP"}, {SIGINT, "INT"}}) {
    ::kill(process.pid(), signal_number);
    REQUIRE(process.wait_for_stdout("got-" + name, kWait));
  }
  ::kill(process.pid(), SIGTERM);
  auto result = process.finish();
  CHECK(result.status == 0);
  for (const char* name : {"INT", "HUP", "QUIT", "USR1", "USR2", "TERM"}) {
    INFO(name);
    CHECK(count_of(result.out, std::string("got-") + name + "\n") == 1);
  }
}

TEST_CASE("killing safe-run with SIGKILL takes the child down and the next start cleans up", "[e2e][supervision]") {
  TempDir runtime;
  auto env = base_env({"XDG_RUNTIME_DIR=" + runtime.path()});
  auto marker = unique_marker();
  Process process(safe_run_argv({"--dry-run", "-q", "--", "/bin/sh", "-c", "echo ready; while :; do sleep 0.05; done",
                                 marker}),
                  env);
  REQUIRE(process.wait_for_stdout("ready", kWait));
  REQUIRE(process_with_argument(marker, "sh") > 0);
  ::kill(process.pid(), SIGKILL);
  process.finish();
  CHECK(no_process_with_argument_within(marker, std::chrono::seconds(2)));
  auto root = runtime.path() + "/safe-run";
  REQUIRE_FALSE(std::filesystem::is_empty(root));  // SIGKILL left the session directory
  CHECK(run_process(safe_run_argv({"--dry-run", "-q", "true"}), env).status == 0);
  CHECK(std::filesystem::is_empty(root));
}

TEST_CASE("a background job the child leaves running is ended at teardown", "[e2e][supervision]") {
  TempDir runtime;
  auto marker = unique_marker();
  auto result = run_process(safe_run_argv({"--dry-run", "--", "/bin/sh", "-c", "sleep " + marker + " & exit 0"}),
                            base_env({"XDG_RUNTIME_DIR=" + runtime.path()}));
  CHECK(result.status == 0);
  CHECK(process_with_argument(marker) < 0);
  CHECK(contains(result.err, "ended 1 process(es) the command left running"));
}

TEST_CASE("a double-forked daemon cannot escape teardown", "[e2e][supervision]") {
  TempDir runtime;
  auto marker = unique_marker();
  auto flag = runtime.path() + "/daemon.started";
  auto script = "(setsid sh -c 'touch " + flag + "; exec sleep " + marker + "' &) ; "
                "while [ ! -e " + flag + " ]; do sleep 0.01; done; exit 3";
  auto result = run_process(safe_run_argv({"--dry-run", "-q", "--", "/bin/sh", "-c", script}),
                            base_env({"XDG_RUNTIME_DIR=" + runtime.path()}));
  CHECK(result.status == 3);
  CHECK(process_with_argument(marker) < 0);
}

TEST_CASE("a leftover that ignores SIGTERM is killed after the grace period", "[e2e][supervision]") {
  TempDir runtime;
  auto marker = unique_marker();
  auto started = std::chrono::steady_clock::now();
  auto result = run_process(
      safe_run_argv({"--dry-run", "-q", "--grace", "1", "--", "/bin/sh", "-c",
                     "sh -c \"trap '' TERM; echo started; while :; do sleep 0.05; done\" " + marker +
                         " & sleep 0.2; exit 0"}),
      base_env({"XDG_RUNTIME_DIR=" + runtime.path()}));
  auto elapsed = std::chrono::steady_clock::now() - started;
  CHECK(result.status == 0);
  REQUIRE(contains(result.out, "started"));
  CHECK(process_with_argument(marker) < 0);
  CHECK(elapsed >= std::chrono::seconds(1));
}

TEST_CASE("piped stdin, stdout and stderr pass through byte for byte", "[e2e][supervision]") {
  TempDir runtime;
  std::string data;
  for (int i = 0; i < (1 << 20); ++i) data.push_back(static_cast<char>((i * 131) & 0xff));
  auto env = base_env({"XDG_RUNTIME_DIR=" + runtime.path()});
  // Written from another thread: cat's output must be read while its input is still coming.
  auto feed = [&data](Process& process) {
    return std::thread([&process, &data] {
      process.write_stdin(data);
      process.close_stdin();
    });
  };
  Process to_stdout(safe_run_argv({"--dry-run", "-q", "--", "/bin/cat"}), env);
  auto feeding_stdout = feed(to_stdout);
  auto out = to_stdout.finish();
  feeding_stdout.join();
  CHECK(out.status == 0);
  CHECK(out.out == data);
  CHECK(out.err.empty());
  Process to_stderr(safe_run_argv({"--dry-run", "-q", "--", "/bin/sh", "-c", "cat >&2"}), env);
  auto feeding_stderr = feed(to_stderr);
  auto err = to_stderr.finish();
  feeding_stderr.join();
  CHECK(err.err == data);
  CHECK(err.out.empty());
}

TEST_CASE("a closed stdin is passed on closed", "[e2e][supervision]") {
  TempDir runtime;
  auto result = run_process(safe_run_argv({"--dry-run", "-q", "--", "/bin/cat"}), base_env({"XDG_RUNTIME_DIR=" + runtime.path()}));
  CHECK(result.status == 0);
  CHECK(result.out.empty());
}

TEST_CASE("under GITHUB_ACTIONS=true the token is masked before the child starts", "[e2e][supervision]") {
  TempDir runtime;
  auto result = run_process(safe_run_argv({"--dry-run", "-q", "--", "/bin/sh", "-c", "echo \"child:$SAFE_RUN_TOKEN\""}),
                            base_env({"XDG_RUNTIME_DIR=" + runtime.path(), "GITHUB_ACTIONS=true"}));
  REQUIRE(result.status == 0);
  auto newline = result.out.find('\n');
  REQUIRE(newline != std::string::npos);
  auto first_line = result.out.substr(0, newline);
  auto token = result.out.substr(newline + 1 + 6, 68);
  CHECK(first_line == "::add-mask::" + token);
  CHECK(token.starts_with("srt_"));
  auto elsewhere = run_process(safe_run_argv({"--dry-run", "-q", "true"}), base_env({"XDG_RUNTIME_DIR=" + runtime.path()}));
  CHECK_FALSE(contains(elsewhere.out, "::add-mask::"));
}

TEST_CASE("summary-json writes the session's summary", "[e2e][supervision]") {
  TempDir runtime;
  auto summary_path = runtime.path() + "/summary.json";
  auto result = run_process(safe_run_argv({"--dry-run", "-q", "--summary-json", summary_path, "--", "/bin/sh", "-c",
                                           "curl -s -o /dev/null -H \"x-api-key: $ANTHROPIC_API_KEY\" -d '{}' "
                                           "\"$ANTHROPIC_BASE_URL/v1/messages\"; exit 3"}),
                            base_env({"XDG_RUNTIME_DIR=" + runtime.path()}));
  CHECK(result.status == 3);
  auto summary = nlohmann::json::parse(read_file(summary_path));
  CHECK(summary["exit_status"] == 3);
  CHECK(summary["requests"]["served"] == 1);
  CHECK(summary["requests"]["denied"] == 0);
  CHECK(summary["bytes"]["in"].get<int>() > 0);
  CHECK(summary["duration_seconds"].get<double>() > 0);
  CHECK(summary["session"].get<std::string>().size() == 12);
}

TEST_CASE("the child cannot gain privileges unless allowed", "[e2e][supervision]") {
  TempDir runtime;
  auto env = base_env({"XDG_RUNTIME_DIR=" + runtime.path()});
  const std::string show = "grep NoNewPrivs /proc/self/status";
  auto locked = run_process(safe_run_argv({"--dry-run", "-q", "--", "/bin/sh", "-c", show}), env);
  CHECK(contains(locked.out, "NoNewPrivs:\t1"));
  auto allowed = run_process(safe_run_argv({"--dry-run", "-q", "--allow-new-privileges", "--", "/bin/sh", "-c", show}), env);
  CHECK(contains(allowed.out, "NoNewPrivs:\t0"));
}

TEST_CASE("every ending closes the port, removes the session directory and ends leftovers", "[e2e][supervision]") {
  struct Ending {
    const char* name;
    const char* script_tail;  // how the child ends
    int signal_to_safe_run;   // 0: none
    int expected_status;
  };
  const Ending endings[] = {{"normal exit", "exit 5", 0, 5},
                            {"child crash", "kill -SEGV $$", 0, 139},
                            {"SIGTERM to safe-run", "while :; do sleep 0.05; done", SIGTERM, 143},
                            {"SIGHUP to safe-run", "while :; do sleep 0.05; done", SIGHUP, 129}};
  for (const auto& ending : endings) {
    INFO(ending.name);
    TempDir runtime;
    auto marker = unique_marker();
    Process process(safe_run_argv({"--dry-run", "-q", "--grace", "2", "--", "/bin/sh", "-c",
                                   "sleep " + marker + " & echo \"url:$SAFE_RUN_BROKER_URL end\"; " +
                                       ending.script_tail}),
                    base_env({"XDG_RUNTIME_DIR=" + runtime.path()}));
    REQUIRE(process.wait_for_stdout(" end", kWait));
    auto out = process.out();
    auto port = static_cast<std::uint16_t>(std::stoi(out.substr(out.rfind(':') + 1)));
    if (ending.signal_to_safe_run != 0) ::kill(process.pid(), ending.signal_to_safe_run);
    auto result = process.finish();
    CHECK(result.status == ending.expected_status);
    CHECK(process_with_argument(marker) < 0);
    CHECK_FALSE(port_accepts(port));
    CHECK(std::filesystem::is_empty(runtime.path() + "/safe-run"));
  }
}
