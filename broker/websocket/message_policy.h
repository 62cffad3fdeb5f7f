#pragma once
// The session policy applied to one WebSocket relay, message by message — what a
// `POST /responses` goes through, for each `response.create` a client sends over the socket:
// the plan (model allowlist, output ceiling: the message is edited like the body would be),
// the reservation in the ledger before the message is forwarded (budgets, requests and tokens
// per minute, concurrency), and settlement from the usage in the upstream's response.completed
// (or response.failed / response.incomplete). Each client message is one audit record; a
// response.create's is written when its turn settles, with its model, tokens and cost.
//
// One turn at a time on a socket (the Responses API answers a socket's responses one after the
// other, and Codex sends the next response.create after the last one ended): a response.create
// while a turn is open is refused with 429. The upstream's events are matched to the open turn
// by their order in the protocol, never guessed across turns:
//  - response.created starts it;
//  - an `error` event before it started ends it unanswered (the upstream refused the message:
//    settled at zero, as a complete HTTP error answer is); an `error` once it started is the
//    provider's business and the turn goes on;
//  - response.completed / .failed / .incomplete settle it from the usage they carry.
// A response.created or turn-ending event with no open turn to match — a response the broker
// never admitted, e.g. one the upstream started after the broker had ended its turn on an
// `error` meant for another message — makes the relay close the socket (1008) before any of
// that response's output reaches the client. A turn still open when the relay ends (the socket
// closed mid-response) settles as a cut HTTP stream does: at the usage reported so far, else
// the reservation's input part.

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
  static constexpr std::size_t kMaxOpenTurns = 1;
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
  // False when it starts or ends a response the broker never admitted.
  bool on_upstream_message(std::string_view type, std::string_view text, bool whole);
  // The relay ended: open turns settle as cut streams.
  void end();
  std::size_t open_turns() const { return open_.size(); }

 private:
  struct Turn {
    std::shared_ptr<policy::RequestMeter> meter;
    AuditEvent event;
    bool started = false;  // the upstream sent its response.created
  };

  bool on_turn_started();
  void on_upstream_error();
  bool on_turn_ended(std::string_view text, bool whole);

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
