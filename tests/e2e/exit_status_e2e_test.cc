// safe-run exits with the child's status, 128+N for a signal, 126/127 for commands that
// cannot run, and 125 for its own failures — before anything is started.

#include <catch2/catch.hpp>
#include <fstream>

#include "tests/e2e/safe_run.h"

using namespace saferun::test;

namespace {

ProcessResult run_child(const std::string& script, std::vector<std::string> extra_env = {}) {
  TempDir runtime;
  extra_env.push_back("XDG_RUNTIME_DIR=" + runtime.path());
  return run_process(safe_run_argv({"--dry-run", "--", "/bin/sh", "-c", script}), base_env(extra_env));
}

}  // namespace

TEST_CASE("a child that exits 0 makes safe-run exit 0", "[e2e][exit]") {
  CHECK(run_child("exit 0").status == 0);
}

TEST_CASE("a child's exit code 42 passes through", "[e2e][exit]") {
  CHECK(run_child("exit 42").status == 42);
}

TEST_CASE("a child killed by SIGTERM exits 143", "[e2e][exit]") {
  CHECK(run_child("kill -TERM $$").status == 143);
}

TEST_CASE("a child killed by SIGKILL exits 137", "[e2e][exit]") {
  CHECK(run_child("kill -KILL $$").status == 137);
}

TEST_CASE("a command that is not executable exits 126", "[e2e][exit]") {
  TempDir dir;
  auto script = dir.write("not-executable", "#!/bin/sh\nexit 0\n", 0644);
  auto result = run_process(safe_run_argv({"--dry-run", script}), base_env({"XDG_RUNTIME_DIR=" + dir.path()}));
  CHECK(result.status == 126);
  CHECK(contains(result.err, "Permission denied"));
}

TEST_CASE("a command that does not exist exits 127", "[e2e][exit]") {
  TempDir dir;
  auto result = run_process(safe_run_argv({"--dry-run", "no-such-command-for-safe-run"}),
                            base_env({"XDG_RUNTIME_DIR=" + dir.path()}));
  CHECK(result.status == 127);
  CHECK(contains(result.err, "no-such-command-for-safe-run: command not found"));
}

TEST_CASE("an unknown option exits 125 with one line and starts nothing", "[e2e][exit]") {
  TempDir dir;
  auto marker = dir.path() + "/started";
  auto result = run_process(safe_run_argv({"--no-such-option", "/bin/sh", "-c", "touch " + marker}), base_env());
  CHECK(result.status == 125);
  CHECK(result.err == "safe-run: unknown option --no-such-option (try 'safe-run --help')\n");
  CHECK(read_file(marker).empty());
  CHECK_FALSE(std::ifstream(marker).good());
}

TEST_CASE("a missing command exits 125", "[e2e][exit]") {
  auto result = run_process(safe_run_argv({"--dry-run"}), base_env());
  CHECK(result.status == 125);
  CHECK(contains(result.err, "missing command"));
}

TEST_CASE("help and version exit 0 on stdout", "[e2e][exit]") {
  auto help = run_process(safe_run_argv({"--help"}), base_env());
  CHECK(help.status == 0);
  CHECK(contains(help.out, "Usage: safe-run"));
  CHECK(contains(help.out, "127  COMMAND was not found"));
  auto version = run_process(safe_run_argv({"--version"}), base_env());
  CHECK(version.status == 0);
  CHECK(version.out.starts_with("safe-run "));
}
