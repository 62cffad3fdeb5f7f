#include "broker/websocket/held_message.h"

namespace saferun::broker::websocket {
namespace {

// Reserved in steps of this many bytes as the message grows.
constexpr std::size_t kStep = 64 * 1024;
// A message buffer with more capacity than this left is given back after the message.
constexpr std::size_t kKeptCapacity = 1u << 20;

}  // namespace

void HeldMessage::reserve_then(std::function<void()> next) {
  if (text_.size() <= reserved_) return next();
  const auto step = (text_.size() - reserved_ + kStep - 1) / kStep * kStep;
  budget_->reserve(step, [this, next = std::move(next)](BodyReservation reservation) {
    reserved_ += reservation.bytes();
    reservations_.push_back(std::move(reservation));
    next();
  });
}

void HeldMessage::release() {
  reservations_.clear();
  reserved_ = 0;
  text_.clear();
  if (text_.capacity() > kKeptCapacity) text_.shrink_to_fit();
}

}  // namespace saferun::broker::websocket
