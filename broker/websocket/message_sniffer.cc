#include "broker/websocket/message_sniffer.h"

#include <nlohmann/json.hpp>

namespace saferun::broker::websocket {
namespace {

constexpr std::size_t kMaxTypeLength = 128;

std::string_view skip_space(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\n' || text.front() == '\r' || text.front() == '\t'))
    text.remove_prefix(1);
  return text;
}

}  // namespace

bool ends_turn(std::string_view type) {
  return type == "response.completed" || type == "response.failed" || type == "response.incomplete";
}

std::string leading_type(std::string_view text) {
  text = skip_space(text);
  if (!text.starts_with('{')) return {};
  text = skip_space(text.substr(1));
  if (!text.starts_with("\"type\"")) return {};
  text = skip_space(text.substr(6));
  if (!text.starts_with(':')) return {};
  text = skip_space(text.substr(1));
  if (!text.starts_with('"')) return {};
  auto end = text.find('"', 1);
  if (end == std::string_view::npos || end - 1 > kMaxTypeLength) return {};
  auto type = text.substr(1, end - 1);
  if (type.find('\\') != std::string_view::npos) return {};
  return std::string(type);
}

void MessageSniffer::reset_if_finished() {
  if (!finished_) return;
  held_.clear();
  type_.clear();
  bytes_ = 0;
  finished_ = false;
  overflowed_ = false;
}

// Past the head, only a turn-ending message is worth holding (for its usage).
bool MessageSniffer::keeps_everything() const { return ends_turn(leading_type(held_)); }

void MessageSniffer::push(std::string_view piece) {
  reset_if_finished();
  bytes_ += piece.size();
  if (overflowed_) return;
  held_.append(piece);
  const std::size_t limit = keeps_everything() ? kUsageBytes : kHeadBytes;
  if (held_.size() > limit) {
    held_.resize(kHeadBytes);  // enough for the leading type; too little to parse
    held_.shrink_to_fit();
    overflowed_ = true;
  }
}

void MessageSniffer::finish() {
  reset_if_finished();
  finished_ = true;
  if (!overflowed_) {
    auto parsed = nlohmann::json::parse(held_, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_object() && parsed.contains("type") && parsed["type"].is_string()) {
      type_ = parsed["type"].get<std::string>();
      return;
    }
  }
  type_ = leading_type(held_);
}

}  // namespace saferun::broker::websocket
