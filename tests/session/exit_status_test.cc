#include "session/exit_status.h"

#include <sys/wait.h>

#include <catch2/catch.hpp>

using namespace saferun::session;

TEST_CASE("a child's exit code passes through", "[exit_status]") {
  CHECK(exit_status_from_wait(0) == 0);
  CHECK(exit_status_from_wait(42 << 8) == 42);
  CHECK(exit_status_from_wait(255 << 8) == 255);
}

TEST_CASE("a child killed by signal N maps to 128+N", "[exit_status]") {
  CHECK(exit_status_from_wait(SIGTERM) == 143);
  CHECK(exit_status_from_wait(SIGKILL) == 137);
  CHECK(exit_status_from_wait(SIGSEGV | 0x80) == 139);  // with a core-dump flag
}
