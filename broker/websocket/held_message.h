#pragma once
// A client's WebSocket message held whole until the policy has seen it (at most
// limits.max_body_bytes, as an HTTP body is). What it holds counts against the broker-wide body
// budget (limits.max_body_bytes_in_flight) like an HTTP body: the relay reads the next piece only
// once every byte held is reserved, so the bytes held by all relays and requests stay within the
// budget (plus one read buffer per relay); while it is spent, the rest waits in the kernel's
// socket buffers. Lives on the session's event loop.

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "broker/body/body_budget.h"

namespace saferun::broker::websocket {

class HeldMessage {
 public:
  explicit HeldMessage(std::shared_ptr<BodyBudget> budget) : budget_(std::move(budget)) {}

  std::string& text() { return text_; }
  void append(std::string_view piece) { text_.append(piece); }
  // Calls `next` once every byte held is reserved: at once, or when the budget frees up. The
  // owner keeps this object alive until then (`next` holds the relay that owns it).
  void reserve_then(std::function<void()> next);
  // The message went (or was refused): its bytes and its share of the budget are given back.
  void release();

 private:
  std::shared_ptr<BodyBudget> budget_;
  std::string text_;
  std::vector<BodyReservation> reservations_;
  std::size_t reserved_ = 0;
};

}  // namespace saferun::broker::websocket
