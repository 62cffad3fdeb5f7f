#pragma once
// What the broker learns from a relayed upstream WebSocket message without holding it whole:
// its JSON `type` and, for a Responses API event that ends a turn (response.completed,
// response.failed, response.incomplete), its text, from which the policy reads the usage.
// Pure: pieces go in as the relay passes them on.
//
// Bounded: the type is read from the first kHeadBytes of the message (the whole message is
// parsed when it fits; else the leading `{"type":"…"` OpenAI writes first); a turn-ending
// message is kept whole up to kUsageBytes (it carries the whole response), else not at all.

#include <cstdint>
#include <string>
#include <string_view>

namespace saferun::broker::websocket {

// The upstream events that end a Responses turn, each carrying the response's usage (or none).
bool ends_turn(std::string_view type);

class MessageSniffer {
 public:
  static constexpr std::size_t kHeadBytes = 16 * 1024;
  static constexpr std::size_t kUsageBytes = 8u << 20;

  void push(std::string_view piece);  // the message's next bytes
  // Call when the message is complete; then type(), whole() and text() answer, until the next push.
  void finish();
  const std::string& type() const { return type_; }
  // A turn-ending message kept whole (after finish()): its text, else whole() is false.
  bool whole() const { return finished_ && !overflowed_ && ends_turn(type_); }
  const std::string& text() const { return held_; }
  std::uint64_t bytes() const { return bytes_; }

 private:
  void reset_if_finished();
  bool keeps_everything() const;

  std::string held_;
  std::string type_;
  std::uint64_t bytes_ = 0;
  bool finished_ = false;
  bool overflowed_ = false;
};

// The leading `{"type":"…"` of a JSON text, or "" (pure helper, exposed for tests).
std::string leading_type(std::string_view text);

}  // namespace saferun::broker::websocket
