#pragma once
// The session policy applied to one WebSocket relay, message by message — what a
// `POST /responses` goes through, for each `response.create` a client sends over the socket:
// the plan (model allowlist, output ceiling: the message is edited like the body would be),
// the reservation in the ledger before the message is forwarded (budgets, requests and tokens
// per minute, concurrency), and settlement from the usage in the upstream's response.completed
// (or response.failed / response.incomplete). Each client message is one audit record; a
// response.create's is written when its turn settles, with its model, tokens and cost.
//
// Turns on one socket: a client may send response.create again before the last one ended.
// Each reserves on its own (so limits count it), at most kMaxOpenTurns are open at once
// (the next is refused with 429), and the upstream's turn-ending events settle them in the
// order they were sent (the upstream answers a socket's responses one after the other). A
// turn the upstream never ended (it refused the message with an `error` event, or the socket
// closed mid-response) settles when the relay ends, as a cut HTTP stream does: at the usage
// reported so far, else the reservation's input part. A turn-ending event with no open turn
// (a response the broker never admitted) makes the relay close the socket (1008).

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "broker/audit_log.h"
#include "broker/broker_context.h"
#include "broker/policy/request_meter.h"

namespace saferun::broker::websocket {

struct MessageVerdict {
  bool forward = false;
  std::string refusal_event;  // what the client gets instead, when not forwarded
};

class MessagePolicy {
 public:
  static constexpr std::size_t kMaxOpenTurns = 8;
  using Done = std::function<void(MessageVerdict)>;

  MessagePolicy(std::shared_ptr<BrokerContext> context, std::size_t route_index, std::string path,
                std::string request_id);
  ~MessagePolicy() { end(); }
  MessagePolicy(const MessagePolicy&) = delete;
  MessagePolicy& operator=(const MessagePolicy&) = delete;

  // A whole client message; `text` may be edited (a lowered ceiling). `done` runs once, maybe
  // before admit returns; whoever owns this object must outlive it (the relay's handler does).
  void admit(std::string& text, Done done);
  // A whole upstream message's type and, when `whole`, its text (false: too large to keep).
  // False when it ends a turn the broker never admitted.
  bool on_upstream_message(std::string_view type, std::string_view text, bool whole);
  // The relay ended: open turns settle as cut streams.
  void end();
  std::size_t open_turns() const { return open_.size(); }

 private:
  struct Turn {
    std::shared_ptr<policy::RequestMeter> meter;
    AuditEvent event;
  };

  void admit_turn(std::string& text, AuditEvent event, Done done);
  void refuse(AuditEvent event, const policy::Refusal& refusal, const Done& done);
  void settle(Turn& turn, policy::Ending ending, std::string reason);
  AuditEvent message_event(std::string type, std::uint64_t bytes);
  const Route& route() const { return context_->routes[route_index_].route; }

  std::shared_ptr<BrokerContext> context_;
  std::size_t route_index_;
  std::string path_;
  std::string request_id_;
  std::uint64_t messages_ = 0;
  std::deque<Turn> open_;
};

}  // namespace saferun::broker::websocket
