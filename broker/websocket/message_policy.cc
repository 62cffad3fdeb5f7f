#include "broker/metered_record.h"
#include "broker/websocket/message_policy.h"

#include <algorithm>

#include "broker/websocket/client_message.h"
#include "broker/websocket/message_sniffer.h"
#include "broker/websocket/upgrade.h"

namespace saferun::broker::websocket {

namespace {

constexpr std::string_view kResponseCreated = "response.created";
constexpr std::string_view kUpstreamError = "error";

// The policy's edits (offsets into the received text), applied last first so offsets hold.
void apply_splices(std::vector<BodySplice> splices, std::string& text) {
  std::sort(splices.begin(), splices.end(), [](const BodySplice& a, const BodySplice& b) { return a.offset > b.offset; });
  for (const auto& splice : splices) text.replace(splice.offset, splice.length, splice.replacement);
}

}  // namespace

MessagePolicy::MessagePolicy(std::shared_ptr<BrokerContext> context, std::size_t route_index, std::string path,
                             std::string request_id)
    : context_(std::move(context)),
      route_index_(route_index),
      path_(std::move(path)),
      request_id_(std::move(request_id)) {}

AuditEvent MessagePolicy::message_event(std::string type, std::uint64_t bytes) {
  AuditEvent event;
  event.time = rfc3339_now();
  event.session = context_->settings.session_id;
  event.request_id = request_id_ + "." + std::to_string(++messages_);
  event.route = route().name;
  event.method = std::string(kUpgradeMethod);
  event.path = path_;
  event.status = 101;
  event.decision = "ws_message";
  event.bytes_in = bytes;
  event.authenticated = true;
  event.message_type = std::move(type);
  return event;
}

void MessagePolicy::admit(std::string& text, Done done) {
  auto message = classify_client_message(text);
  auto event = message_event(message.type, text.size());
  if (message.kind == ClientMessageKind::ambiguous) {
    return refuse(std::move(event), {400, "denied_policy", "the message has more than one \"type\" key", std::nullopt, false}, done);
  }
  if (message.kind == ClientMessageKind::unreadable && context_->policy->in_force(route().name)) {
    return refuse(std::move(event),
                  {400, "denied_policy", "the message is not a JSON object with a string \"type\"", std::nullopt, false},
                  done);
  }
  if (message.kind == ClientMessageKind::response_create) return admit_turn(text, std::move(event), std::move(done));
  context_->audit.record(event);  // spends nothing: passes unreserved, audited
  done({true, {}});
}

void MessagePolicy::admit_turn(std::string& text, AuditEvent event, Done done) {
  if (open_.size() >= kMaxOpenTurns) {
    return refuse(std::move(event),
                  {429, "rate_limited",
                   "a response is already in progress on this WebSocket: send the next when it has ended",
                   1, true},
                  done);
  }
  policy::Refusal refusal;
  std::shared_ptr<policy::RequestMeter> meter;
  try {
    meter = context_->policy->plan(route().name, "POST", path_, text, event.request_id, refusal);
  } catch (const std::exception&) {
    refusal = {500, "internal_error", "the broker's policy check failed", std::nullopt, false};
  }
  if (!meter) return refuse(std::move(event), refusal, done);
  if (meter->body_edited()) apply_splices(meter->take_body_splices(), text);
  event.model = meter->plan().model;
  event.metered = meter->plan().metered;
  // `this` outlives the reservation: `done` holds the relay that owns this object.
  context_->policy->reserve(meter, [this, meter, event = std::move(event), done = std::move(done)](
                                       std::optional<policy::Refusal> refused) mutable {
    if (refused) return refuse(std::move(event), *refused, done);
    open_.push_back({meter, std::move(event)});
    done({true, {}});
  });
}

void MessagePolicy::refuse(AuditEvent event, const policy::Refusal& refusal, const Done& done) {
  event.status = refusal.status;
  event.decision = refusal.decision;
  event.reason = refusal.reason;
  event.metered = false;
  context_->stats.denied += 1;
  context_->audit.record(event);
  done({false, refusal_event(route().provider, refusal)});
}

bool MessagePolicy::on_upstream_message(std::string_view type, std::string_view text, bool whole) {
  if (type == kResponseCreated) return on_turn_started();
  if (type == kUpstreamError) {
    on_upstream_error();
    return true;
  }
  if (ends_turn(type)) return on_turn_ended(text, whole);
  return true;
}

bool MessagePolicy::on_turn_started() {
  if (open_.empty() || open_.front().started) return false;
  open_.front().started = true;
  return true;
}

void MessagePolicy::on_upstream_error() {
  if (open_.empty() || open_.front().started) return;
  Turn turn = std::move(open_.front());
  open_.pop_front();
  turn.meter->on_answer(400, "application/json", "");  // refused upstream: nothing to bill
  settle(turn, policy::Ending::answered, "the upstream refused the message with an error event");
}

bool MessagePolicy::on_turn_ended(std::string_view text, bool whole) {
  if (open_.empty()) return false;
  Turn turn = std::move(open_.front());
  open_.pop_front();
  if (whole) {
    turn.meter->feed_message(text);
  } else {
    turn.meter->on_answer(200, "application/json", "unreadable");  // too large to read: the whole reservation
  }
  settle(turn, policy::Ending::answered, "");
  return true;
}

void MessagePolicy::end() {
  while (!open_.empty()) {
    Turn turn = std::move(open_.front());
    open_.pop_front();
    settle(turn, policy::Ending::cut, "the socket closed before the response ended");
  }
}

void MessagePolicy::settle(Turn& turn, policy::Ending ending, std::string reason) {
  auto& meter = *turn.meter;
  meter.end(ending);
  auto& event = turn.event;
  record_usage(meter, event);
  event.reason = std::move(reason);
  context_->audit.record(event);
}

}  // namespace saferun::broker::websocket
