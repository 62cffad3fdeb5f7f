#include "broker/websocket/client_message.h"

#include <nlohmann/json.hpp>

namespace saferun::broker::websocket {

ClientMessage classify_client_message(std::string_view text) {
  ClientMessage message;
  int type_keys = 0;
  // Counts the top-level "type" keys as the parser meets them (escapes already decoded).
  auto count_types = [&type_keys](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    if (depth == 1 && event == nlohmann::json::parse_event_t::key && parsed == "type") ++type_keys;
    return true;
  };
  auto parsed = nlohmann::json::parse(text, count_types, /*allow_exceptions=*/false);
  if (!parsed.is_object()) return message;
  if (type_keys > 1) {
    message.kind = ClientMessageKind::ambiguous;
    return message;
  }
  auto type = parsed.find("type");
  if (type == parsed.end() || !type->is_string()) return message;
  message.type = type->get<std::string>();
  message.kind = message.type == kResponseCreate ? ClientMessageKind::response_create : ClientMessageKind::other;
  return message;
}

std::string refusal_event(Provider provider, const policy::Refusal& refusal) {
  auto body = nlohmann::json::parse(error_body(provider, refusal.status, refusal.reason), nullptr, false);
  nlohmann::json event = {{"type", "error"}, {"status", refusal.status}};
  event["error"] = body.is_object() && body.contains("error") ? body["error"] : nlohmann::json{{"message", refusal.reason}};
  event["error"]["code"] = refusal.decision;  // budget_exhausted, rate_limited, denied_model, …
  nlohmann::json headers = nlohmann::json::object();
  if (refusal.retry_after_seconds) headers["retry-after"] = std::to_string(*refusal.retry_after_seconds);
  if (!refusal.should_retry) headers["x-should-retry"] = "false";
  event["headers"] = headers;
  return event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);  // the reason may quote client bytes
}

}  // namespace saferun::broker::websocket
