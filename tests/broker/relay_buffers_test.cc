#include "broker/relay_buffers.h"

#include <catch2/catch.hpp>
#include <vector>

using namespace saferun::broker;

TEST_CASE("a relay buffer given back is the next one taken, not a new allocation", "[relay_buffers]") {
  RelayBuffers buffers;
  auto first = buffers.take();
  REQUIRE(first);
  const char* address = first.get();
  buffers.give_back(std::move(first));
  CHECK(buffers.idle() == 1);
  auto again = buffers.take();
  CHECK(again.get() == address);
  CHECK(buffers.idle() == 0);
}

TEST_CASE("at most kKeep idle relay buffers are kept; the rest are freed", "[relay_buffers]") {
  RelayBuffers buffers;
  std::vector<RelayBuffers::Buffer> taken;
  for (std::size_t i = 0; i < RelayBuffers::kKeep + 5; ++i) taken.push_back(buffers.take());
  for (auto& buffer : taken) buffers.give_back(std::move(buffer));
  CHECK(buffers.idle() == RelayBuffers::kKeep);
  buffers.give_back(nullptr);
  CHECK(buffers.idle() == RelayBuffers::kKeep);
}
