#include "session/heap_tuning.h"

#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <vector>

using namespace saferun::session;

namespace {

saferun::broker::BrokerLimits limits_with_bound(std::size_t bodies_in_flight) {
  saferun::broker::BrokerLimits limits;
  limits.max_body_bytes_in_flight = bodies_in_flight;
  return limits;
}

// In a child process (the allocator's settings are process-wide): the heap tuned for `limits`,
// 96 MiB of 1 MiB bodies taken and touched, then all freed. True if the heap's top stayed
// where the bodies had pushed it (the memory kept), false if it was given back.
bool heap_keeps_freed_bodies(const saferun::broker::BrokerLimits& limits) {
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    keep_freed_body_memory(limits);
    std::vector<void*> bodies;
    for (int i = 0; i < 96; ++i) {
      bodies.push_back(std::malloc(1u << 20));
      if (bodies.back() == nullptr) _exit(2);
      std::memset(bodies.back(), 'x', 1u << 20);
    }
    void* grown = sbrk(0);
    for (auto it = bodies.rbegin(); it != bodies.rend(); ++it) std::free(*it);
    _exit(sbrk(0) == grown ? 0 : 1);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) != 2);
  return WEXITSTATUS(status) == 0;
}

}  // namespace

TEST_CASE("the heap keeps as much free memory as the bound on bodies held at once", "[heap_tuning]") {
  CHECK(kept_free_bytes_for(limits_with_bound(256u << 20)) == (256 << 20));
  CHECK(kept_free_bytes_for(limits_with_bound(100u << 20)) == (100 << 20));
}

TEST_CASE("the heap keeps at least 64 MiB free, and at most what the allocator can be told", "[heap_tuning]") {
  CHECK(kept_free_bytes_for(limits_with_bound(1u << 20)) == (64 << 20));
  CHECK(kept_free_bytes_for(limits_with_bound(std::size_t{8} << 30)) == INT_MAX);
}

TEST_CASE("bodies freed within the bound stay in the process for the next ones", "[heap_tuning][glibc_heap]") {
  CHECK(heap_keeps_freed_bodies(limits_with_bound(256u << 20)));
}

TEST_CASE("control: with a bound below what was freed, the heap gives the memory back", "[heap_tuning][glibc_heap]") {
  CHECK_FALSE(heap_keeps_freed_bodies(limits_with_bound(64u << 20)));
}
