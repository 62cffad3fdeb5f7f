#include "tests/support/growing_thread_pool.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <thread>

using saferun::test::GrowingThreadPool;

namespace {

// Polls `done` for up to five seconds; true once it holds.
template <class Condition>
bool eventually(Condition done) {
  for (int i = 0; i < 500 && !done(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return done();
}

}  // namespace

TEST_CASE("a growing pool starts no thread before its first job", "[growing_thread_pool]") {
  GrowingThreadPool pool(4);
  CHECK(pool.threads_started() == 0);
  pool.shutdown();
}

TEST_CASE("a growing pool reuses a waiting thread instead of starting another", "[growing_thread_pool]") {
  GrowingThreadPool pool(4);
  std::atomic<int> ran{0};
  pool.enqueue([&] { ++ran; });
  REQUIRE(eventually([&] { return ran == 1 && pool.threads_waiting() == 1; }));
  pool.enqueue([&] { ++ran; });
  REQUIRE(eventually([&] { return ran == 2; }));
  CHECK(pool.threads_started() == 1);
  pool.shutdown();
}

TEST_CASE("a growing pool starts no more than its most; queued jobs run as threads free", "[growing_thread_pool]") {
  GrowingThreadPool pool(2);
  std::promise<void> release;
  auto released = release.get_future().share();
  std::atomic<int> ran{0};
  for (int i = 0; i < 3; ++i) pool.enqueue([&, released] { released.wait(); ++ran; });
  CHECK(pool.threads_started() == 2);
  CHECK(ran == 0);
  release.set_value();
  CHECK(eventually([&] { return ran == 3; }));
  pool.shutdown();
}

TEST_CASE("shutting a growing pool down runs the jobs already queued", "[growing_thread_pool]") {
  GrowingThreadPool pool(1);
  std::promise<void> release;
  auto released = release.get_future().share();
  std::atomic<int> ran{0};
  pool.enqueue([&, released] { released.wait(); ++ran; });
  pool.enqueue([&] { ++ran; });
  std::thread releaser([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    release.set_value();
  });
  pool.shutdown();
  releaser.join();
  CHECK(ran == 2);
}
