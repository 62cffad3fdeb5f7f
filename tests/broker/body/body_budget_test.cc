#include "broker/body/body_budget.h"

#include <catch2/catch.hpp>
#include <deque>
#include <optional>
#include <vector>

using namespace saferun::broker;

TEST_CASE("bodies that fit the budget are granted at once and given back when released") {
  auto budget = std::make_shared<BodyBudget>(100);
  std::optional<BodyReservation> first, second;
  budget->reserve(60, [&](BodyReservation r) { first = std::move(r); });
  budget->reserve(40, [&](BodyReservation r) { second = std::move(r); });
  REQUIRE(first);
  REQUIRE(second);
  CHECK(budget->in_use() == 100);
  first.reset();
  CHECK(budget->in_use() == 40);
  second->release();
  CHECK(budget->in_use() == 0);
}

TEST_CASE("a body past the budget waits until enough is given back, in arrival order") {
  auto budget = std::make_shared<BodyBudget>(100);
  std::deque<BodyReservation> held;
  std::vector<int> order;
  budget->reserve(90, [&](BodyReservation r) { held.push_back(std::move(r)); });
  budget->reserve(50, [&](BodyReservation r) { order.push_back(50); held.push_back(std::move(r)); });
  budget->reserve(5, [&](BodyReservation r) { order.push_back(5); held.push_back(std::move(r)); });
  CHECK(order.empty());  // 5 would fit, but does not overtake the 50 queued before it
  CHECK(budget->waiting() == 2);
  held.front().release();
  CHECK(order == std::vector<int>{50, 5});
  CHECK(budget->in_use() == 55);
}

TEST_CASE("a reservation shrunk to what the body needed gives the rest to a waiting body") {
  auto budget = std::make_shared<BodyBudget>(100);
  std::optional<BodyReservation> chunked, next;
  budget->reserve(100, [&](BodyReservation r) { chunked = std::move(r); });
  budget->reserve(30, [&](BodyReservation r) { next = std::move(r); });
  CHECK_FALSE(next);
  chunked->shrink_to(10);
  CHECK(next);
  CHECK(budget->in_use() == 40);
}

TEST_CASE("a body larger than the whole budget is reserved as the whole budget") {
  auto budget = std::make_shared<BodyBudget>(100);
  std::optional<BodyReservation> big;
  budget->reserve(1000, [&](BodyReservation r) { big = std::move(r); });
  REQUIRE(big);
  CHECK(big->bytes() == 100);
}
