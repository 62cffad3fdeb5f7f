// When the child exits — or safe-run is told to stop — the broker's port is closed, the
// session directory is gone, and safe-run exits with the child's status.

#include <signal.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "tests/e2e/safe_run.h"
#include "tests/support/raw_http.h"

using namespace saferun::test;

TEST_CASE("after the session the port is closed and the session directory is gone", "[e2e][teardown]") {
  LiveSession session({"--dry-run"}, base_env());
  REQUIRE(session.ready());
  REQUIRE(port_accepts(session.port()));
  REQUIRE(std::filesystem::exists(session.session_dir()));
  auto result = session.end();
  CHECK(result.status == 0);
  CHECK_FALSE(port_accepts(session.port()));
  CHECK_FALSE(std::filesystem::exists(session.session_dir()));
}

TEST_CASE("SIGTERM to safe-run reaches the child once and its status is returned", "[e2e][teardown]") {
  TempDir runtime;
  Process process(safe_run_argv({"--dry-run", "--", "/bin/sh", "-c",
                                 "trap 'echo got-term; exit 143' TERM; echo ready; while :; do sleep 0.05; done"}),
                  base_env({"XDG_RUNTIME_DIR=" + runtime.path()}));
  REQUIRE(process.wait_for_stdout("ready\n", std::chrono::seconds(20)));
  ::kill(process.pid(), SIGTERM);
  auto result = process.finish(std::chrono::seconds(20));
  CHECK(result.status == 143);
  CHECK(result.out == "ready\ngot-term\n");
  CHECK(std::filesystem::is_empty(runtime.path() + "/safe-run"));
}

TEST_CASE("a child that ignores SIGTERM is killed after the grace period", "[e2e][teardown]") {
  TempDir runtime;
  Process process(safe_run_argv({"--dry-run", "--grace", "1", "--", "/bin/sh", "-c",
                                 "trap '' TERM; echo ready; while :; do sleep 0.05; done"}),
                  base_env({"XDG_RUNTIME_DIR=" + runtime.path()}));
  REQUIRE(process.wait_for_stdout("ready\n", std::chrono::seconds(20)));
  ::kill(process.pid(), SIGTERM);
  auto result = process.finish(std::chrono::seconds(20));
  CHECK(result.status == 137);
}

TEST_CASE("a session ends with a one-line summary unless quiet", "[e2e][teardown]") {
  TempDir runtime;
  auto env = base_env({"XDG_RUNTIME_DIR=" + runtime.path()});
  auto loud = run_process(safe_run_argv({"--dry-run", "true"}), env);
  CHECK(contains(loud.err, "ended: exit 0 after"));
  auto quiet = run_process(safe_run_argv({"--dry-run", "-q", "true"}), env);
  CHECK(quiet.err.empty());
}
