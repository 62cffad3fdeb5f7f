#pragma once
// The WebSocket relay's two directions: which side a leg reads from, and what each leg holds
// while it relays (relay.cc).

#include <array>
#include <cstddef>
#include <string>

#include "broker/websocket/message_sniffer.h"

namespace saferun::broker::websocket {

inline constexpr std::size_t kPieceBytes = 64 * 1024;

enum Side : int { kClient = 0, kUpstream = 1 };
constexpr Side other(Side side) { return side == kClient ? kUpstream : kClient; }

// One direction's state, named after the side it reads from.
struct Leg {
  std::array<char, kPieceBytes> buffer;  // not zeroed: only bytes read are used
  std::string pending;                   // upstream leg: redacted bytes to write
  MessageSniffer sniffer;                // upstream leg
  bool in_message = false;
  bool text = true;        // the current message's kind
  bool ping_busy = false;  // a forwarded ping is being written to this side
};

}  // namespace saferun::broker::websocket
