#include "session/descendants.h"

#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>

using namespace saferun::session;

TEST_CASE("descendants are found through every generation", "[descendants]") {
  std::vector<ProcessEntry> table = {{10, 1, 'S'}, {11, 10, 'S'}, {12, 11, 'Z'}, {13, 12, 'S'}, {20, 1, 'S'}, {21, 20, 'S'}};
  auto found = descendants_in(table, 10);
  std::sort(found.begin(), found.end());
  CHECK(found == std::vector<pid_t>{11, 12, 13});
  CHECK(descendants_in(table, 13).empty());
}

TEST_CASE("a cycle in a process table snapshot does not loop forever", "[descendants]") {
  std::vector<ProcessEntry> table = {{2, 3, 'S'}, {3, 2, 'S'}};
  CHECK(descendants_in(table, 2) == std::vector<pid_t>{3});
}

TEST_CASE("the process table includes this process with its parent", "[descendants]") {
  auto table = read_process_table();
  auto self = std::find_if(table.begin(), table.end(), [](const ProcessEntry& e) { return e.pid == ::getpid(); });
  REQUIRE(self != table.end());
  CHECK(self->parent == ::getppid());
}
