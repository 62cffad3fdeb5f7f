#include "broker/slot_fairness.h"

#include <catch2/catch.hpp>

using namespace saferun::broker;
using Clock = std::chrono::steady_clock;

namespace {
const auto kEarly = Clock::time_point(std::chrono::seconds(1));
const auto kLate = Clock::time_point(std::chrono::seconds(2));
}  // namespace

TEST_CASE("a token-less connection is reclaimed before an idle one, however young", "[slot_fairness]") {
  CHECK(reclaims_before({SlotUse::token_less, kLate}, {SlotUse::idle, kEarly}));
  CHECK_FALSE(reclaims_before({SlotUse::idle, kEarly}, {SlotUse::token_less, kLate}));
}

TEST_CASE("among connections of one use the one waiting longest is reclaimed first", "[slot_fairness]") {
  CHECK(reclaims_before({SlotUse::idle, kEarly}, {SlotUse::idle, kLate}));
  CHECK_FALSE(reclaims_before({SlotUse::idle, kLate}, {SlotUse::idle, kEarly}));
  CHECK(reclaims_before({SlotUse::token_less, kEarly}, {SlotUse::token_less, kLate}));
}

TEST_CASE("no connection has to reclaim", "[slot_fairness]") {
  CHECK(SlotFairness::pick_to_reclaim({}) == nullptr);
}

TEST_CASE("answers yield their slot only while clients wait for one", "[slot_fairness]") {
  SlotFairness slots;
  CHECK_FALSE(slots.yield_now());
  slots.set_clients_waiting(true);
  CHECK(slots.yield_now());
  CHECK(slots.yield_now());  // every answer begun meanwhile: the waiting client takes the first slot freed
  slots.set_clients_waiting(false);
  CHECK_FALSE(slots.yield_now());
  CHECK(slots.yielded() == 2);
}
