#include "broker/websocket/client_message.h"

#include <nlohmann/json.hpp>
#include <optional>

namespace saferun::broker::websocket {

namespace {

// Reads a message's top-level "type" as nlohmann's parser meets it, without building a tree: a
// client's message may be 32 MB of nested arrays (a DOM of it took ~1 s and ~600 MB). The whole
// text is still checked — what nlohmann refuses (a lone surrogate, NaN) stays unreadable.
class TypeReader : public nlohmann::json_sax<nlohmann::json> {
 public:
  bool null() override { return value(nullptr); }
  bool boolean(bool) override { return value(nullptr); }
  bool number_integer(number_integer_t) override { return value(nullptr); }
  bool number_unsigned(number_unsigned_t) override { return value(nullptr); }
  bool number_float(number_float_t, const string_t&) override { return value(nullptr); }
  bool string(string_t& text) override { return value(&text); }
  bool binary(binary_t&) override { return value(nullptr); }
  bool start_object(std::size_t) override { return open(true); }
  bool start_array(std::size_t) override { return open(false); }
  bool end_object() override { return close(); }
  bool end_array() override { return close(); }
  bool key(string_t& name) override {
    if (depth_ == 1 && name == "type") ++type_keys_, awaiting_type_ = true;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }

  bool object = false;
  int type_keys() const { return type_keys_; }
  const std::optional<std::string>& type() const { return type_; }

 private:
  bool value(const string_t* text) {
    if (depth_ == 1 && awaiting_type_) {
      awaiting_type_ = false;
      if (text) type_ = *text;
      else type_.reset();
    }
    return true;
  }
  bool open(bool is_object) {
    if (depth_ == 0) object = is_object;
    value(nullptr);
    ++depth_;
    return true;
  }
  bool close() {
    --depth_;
    return true;
  }

  std::size_t depth_ = 0;
  int type_keys_ = 0;
  bool awaiting_type_ = false;
  std::optional<std::string> type_;
};

}  // namespace

ClientMessage classify_client_message(std::string_view text) {
  ClientMessage message;
  TypeReader reader;
  if (!nlohmann::json::sax_parse(text, &reader, nlohmann::json::input_format_t::json, /*strict=*/true) || !reader.object)
    return message;
  if (reader.type_keys() > 1) {
    message.kind = ClientMessageKind::ambiguous;
    return message;
  }
  if (!reader.type()) return message;
  message.type = *reader.type();
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
