#include "session/command_path.h"

#include <catch2/catch.hpp>

#include "tests/support/temp_dir.h"

using namespace saferun::session;

TEST_CASE("a bare command is found on the child's PATH", "[command_path]") {
  saferun::test::TempDir dir;
  auto tool = dir.write("tool", "#!/bin/sh\n", 0755);
  auto found = resolve_command("tool", "/nonexistent:" + dir.path());
  CHECK(found.failure_status == 0);
  CHECK(found.path == tool);
  CHECK(resolve_command("sh", "").failure_status == 0);
}

TEST_CASE("a missing command is 127 and a non-executable one 126", "[command_path]") {
  saferun::test::TempDir dir;
  auto plain = dir.write("plain", "text", 0644);
  CHECK(resolve_command("no-such-command-xyz", dir.path()).failure_status == 127);
  CHECK(resolve_command("plain", dir.path()).failure_status == 126);
  CHECK(resolve_command(plain, "").failure_status == 126);
  CHECK(resolve_command(dir.path(), "").failure_status == 126);
  CHECK(resolve_command(dir.path() + "/missing", "").failure_status == 127);
  CHECK(resolve_command("", "").failure_status == 127);
}
