#include "broker/body/body_budget.h"

#include <algorithm>
#include <utility>

namespace saferun::broker {

BodyReservation::BodyReservation(BodyReservation&& other) noexcept
    : budget_(std::move(other.budget_)), bytes_(other.bytes_) {
  other.bytes_ = 0;
}

BodyReservation& BodyReservation::operator=(BodyReservation&& other) noexcept {
  if (this != &other) {
    release();
    budget_ = std::move(other.budget_);
    bytes_ = other.bytes_;
    other.bytes_ = 0;
  }
  return *this;
}

void BodyReservation::shrink_to(std::size_t bytes) {
  if (!budget_ || bytes >= bytes_) return;
  auto freed = bytes_ - bytes;
  bytes_ = bytes;
  budget_->give_back(freed);
}

void BodyReservation::release() {
  // Emptied first: give_back() grants waiters, whose callbacks may move or destroy this.
  auto budget = std::move(budget_);
  auto bytes = std::exchange(bytes_, 0);
  if (budget) budget->give_back(bytes);
}

BodyReservation BodyBudget::take(std::size_t bytes) {
  in_use_ += bytes;
  return BodyReservation(shared_from_this(), bytes);
}

void BodyBudget::give_back(std::size_t bytes) {
  in_use_ -= std::min(bytes, in_use_);
  // Grant in arrival order; a large request at the head is not overtaken by small ones.
  while (!waiting_.empty() && in_use_ + waiting_.front().bytes <= capacity_) {
    auto waiter = std::move(waiting_.front());
    waiting_.pop_front();
    waiter.granted(take(waiter.bytes));
  }
}

}  // namespace saferun::broker
