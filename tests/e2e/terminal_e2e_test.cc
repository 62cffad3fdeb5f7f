// Under a real pseudo-terminal safe-run is invisible: the child reads the keyboard, gets
// window-size changes, one SIGINT per Ctrl-C, stops and resumes with job control, and the
// terminal is left sane however the child ends.

#include <signal.h>

#include <catch2/catch.hpp>
#include <thread>

#include "tests/e2e/safe_run.h"
#include "tests/support/pty_process.h"

using namespace saferun::test;

namespace {

constexpr auto kWait = std::chrono::seconds(10);

std::vector<std::string> pty_env(const TempDir& runtime) {
  return base_env({"TERM=xterm", "XDG_RUNTIME_DIR=" + runtime.path(), "PS1=$ "});
}

std::vector<std::string> session(const std::string& script) {
  return safe_run_argv({"--dry-run", "-q", "--", "/bin/sh", "-c", script});
}

}  // namespace

TEST_CASE("an interactive child reads the keyboard through safe-run", "[e2e][terminal]") {
  TempDir runtime;
  PtyProcess pty(session("echo ready; read line; echo \"got:$line\""), pty_env(runtime));
  REQUIRE(pty.wait_for("ready", kWait));
  pty.type("hello\r");
  CHECK(pty.wait_for("got:hello", kWait));
  CHECK(pty.finish().status == 0);
}

TEST_CASE("Ctrl-C delivers exactly one SIGINT to the child", "[e2e][terminal]") {
  TempDir runtime;
  PtyProcess pty(session("trap 'echo caught-INT' INT; trap 'exit 7' TERM; echo ready; "
                         "while :; do sleep 0.05; done"),
                 pty_env(runtime));
  REQUIRE(pty.wait_for("ready", kWait));
  pty.type("\x03");
  REQUIRE(pty.wait_for("caught-INT", kWait));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // room for a second delivery
  ::kill(pty.pid(), SIGTERM);
  auto result = pty.finish();
  CHECK(result.status == 7);
  CHECK(count_of(result.out, "caught-INT") == 1);
}

TEST_CASE("window-size changes reach the child", "[e2e][terminal]") {
  TempDir runtime;
  PtyProcess pty(session("trap 'stty size' WINCH; echo ready; while :; do sleep 0.05; done"), pty_env(runtime));
  REQUIRE(pty.wait_for("ready", kWait));
  pty.resize(40, 100);
  CHECK(pty.wait_for("40 100", kWait));
  ::kill(pty.pid(), SIGTERM);
  CHECK(pty.finish().status == 143);
}

TEST_CASE("Ctrl-Z stops the session and fg resumes it", "[e2e][terminal]") {
  TempDir runtime;
  PtyProcess shell({"/bin/bash", "--norc", "--noprofile", "-i"}, pty_env(runtime));
  REQUIRE(shell.wait_for("$ ", kWait));
  auto marker = unique_marker();
  shell.type(safe_run_binary() + " --dry-run -q -- sh -c 'echo ready; read x; echo resumed:$x' " + marker + "\r");
  // The typed command line is echoed too: the child's own lines end in CR LF.
  REQUIRE(shell.wait_for("ready\r\n", kWait));
  pid_t child = process_with_argument(marker, "sh");  // found by argument: it may be in its own PID namespace
  REQUIRE(child > 0);
  auto mark = shell.output().size();
  shell.type("\x1a");
  REQUIRE(shell.wait_for("Stopped", kWait, mark));
  for (int i = 0; i < 100 && process_state(child) != 'T'; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(process_state(child) == 'T');
  shell.type("fg\r");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(process_state(child) != 'T');
  shell.type("go\r");
  CHECK(shell.wait_for("resumed:go\r\n", kWait));
  shell.type("exit\r");
  CHECK(shell.finish().status == 0);
}

TEST_CASE("the terminal is left sane when the child dies in raw mode", "[e2e][terminal]") {
  TempDir runtime;
  const std::string dies_raw = "stty raw -echo; kill -KILL $$";
  // Without safe-run the raw mode outlives the child: the check below can tell.
  PtyProcess bare({"/bin/sh", "-c", "sh -c '" + dies_raw + "'; stty -a"}, pty_env(runtime));
  auto bare_result = bare.finish();
  REQUIRE(contains(bare_result.out, "-icanon"));
  PtyProcess wrapped({"/bin/sh", "-c", safe_run_binary() + " -q --dry-run -- sh -c '" + dies_raw + "'; stty -a"},
                     pty_env(runtime));
  auto result = wrapped.finish();
  CHECK(contains(result.out, " icanon"));
  CHECK(contains(result.out, " echo "));
  CHECK_FALSE(contains(result.out, "-icanon"));
}
