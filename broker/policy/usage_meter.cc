#include "broker/policy/usage_meter.h"

#include <nlohmann/json.hpp>

#include "broker/policy/request_body.h"

namespace saferun::broker::policy {
namespace {

constexpr std::size_t kMaxKept = 16u << 20;  // a line or JSON answer larger than this is not read

bool starts_with_ci(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if ((text[i] | 0x20) != prefix[i]) return false;
  return true;
}

// Cheap test before any parse: a `"usage"` (or `"usageMetadata"`) key whose value is not null.
// Linear: every `"usage` before a colon leads to that same colon, so the search goes on past it.
bool may_carry_usage(std::string_view data) {
  for (auto at = data.find("\"usage"); at != std::string_view::npos; at = data.find("\"usage", at)) {
    auto colon = data.find(':', at);
    if (colon == std::string_view::npos) return false;
    auto value = data.find_first_not_of(" \t", colon + 1);
    if (value != std::string_view::npos && data[value] != 'n') return true;
    at = colon + 1;
  }
  return false;
}

// An OpenAI chat chunk that only carries usage: `choices` is empty.
bool is_usage_only_chunk(const nlohmann::json& event) {
  auto choices = event.find("choices");
  auto usage = event.find("usage");
  return choices != event.end() && choices->is_array() && choices->empty() && usage != event.end() &&
         usage->is_object();
}

// With include_usage set, OpenAI adds `"usage":null` to every chunk; a client that did not ask
// gets its chunks without it.
void append_without_null_usage(std::string_view event, std::string& out) {
  static constexpr std::string_view kNullUsage = ",\"usage\":null";
  for (auto at = event.find(kNullUsage); at != std::string_view::npos; at = event.find(kNullUsage)) {
    out.append(event.substr(0, at));
    event.remove_prefix(at + kNullUsage.size());
  }
  out.append(event);
}

}  // namespace

bool is_zlib_encoding(std::string_view e) {
  return e.size() == 4 ? starts_with_ci(e, "gzip") : e.size() == 6 ? starts_with_ci(e, "x-gzip") : e.size() == 7 && starts_with_ci(e, "deflate");
}

AnswerFormat answer_format(std::string_view content_type, std::string_view content_encoding) {
  if (!content_encoding.empty() && !starts_with_ci(content_encoding, "identity") && !is_zlib_encoding(content_encoding))
    return AnswerFormat::unreadable;
  return starts_with_ci(content_type, "text/event-stream") ? AnswerFormat::sse : AnswerFormat::json;
}

void UsageMeter::start(AnswerFormat format, bool strip_usage_chunk, bool compressed) {
  format_ = format;
  strip_ = strip_usage_chunk && format == AnswerFormat::sse && !compressed;
  if (compressed && format != AnswerFormat::unreadable) inflater_ = std::make_unique<Inflater>();
}

void UsageMeter::feed(std::string_view bytes) {
  if (!inflater_) return feed_plain(bytes);
  if (!inflater_->push(bytes, [this](std::string_view plain) { feed_plain(plain); })) inflater_.reset(), format_ = AnswerFormat::unreadable;
}

void UsageMeter::feed_plain(std::string_view bytes) {
  if (format_ == AnswerFormat::sse) return take_lines(bytes, nullptr);
  if (format_ != AnswerFormat::json || overflow_) return;
  if (carry_.size() + bytes.size() > kMaxKept) {
    overflow_ = true;
    carry_.clear();
    return;
  }
  carry_.append(bytes);
}

void UsageMeter::filter(std::string_view bytes, std::string& out) {
  if (!strip_) {
    feed(bytes);
    out.append(bytes);
    return;
  }
  take_lines(bytes, &out);
}

void UsageMeter::finish(std::string& out) {
  if (format_ == AnswerFormat::json) return finish_json();
  if (format_ != AnswerFormat::sse) return;
  if (!carry_.empty()) {
    std::string last;
    last.swap(carry_);
    on_line(last, strip_ ? &out : nullptr);
  }
  if (strip_ && !drop_event_) append_without_null_usage(event_, out);
  event_.clear();
}

void UsageMeter::feed_message(std::string_view json_text) {
  if (may_carry_usage(json_text)) on_data(json_text);
}

void UsageMeter::take_lines(std::string_view bytes, std::string* out) {
  while (!bytes.empty()) {
    auto newline = bytes.find('\n');
    if (newline == std::string_view::npos) {
      if (carry_.size() + bytes.size() > kMaxKept) overflow_ = true, carry_.clear();
      if (!overflow_) carry_.append(bytes);
      if (out != nullptr) event_.append(bytes);
      return;
    }
    auto piece = bytes.substr(0, newline + 1);
    bytes.remove_prefix(newline + 1);
    if (out != nullptr) event_.append(piece);
    if (overflow_) {
      overflow_ = false;
      carry_.clear();
      continue;
    }
    if (carry_.empty()) {
      on_line(piece, out);
    } else {
      carry_.append(piece);
      std::string line;
      line.swap(carry_);
      on_line(line, out);
    }
  }
}

void UsageMeter::on_line(std::string_view line, std::string* out) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.empty()) {  // end of an event
    if (out != nullptr && !drop_event_) append_without_null_usage(event_, *out);
    event_.clear();
    drop_event_ = false;
    return;
  }
  if (!line.starts_with("data:")) return;
  auto data = line.substr(5);
  if (!may_carry_usage(data)) return;
  if (out == nullptr) return on_data(data);
  auto event = nlohmann::json::parse(data, nullptr, false);
  if (merge_usage(event, usage_)) reported_ = true;
  if (is_usage_only_chunk(event)) drop_event_ = true;
}

void UsageMeter::on_data(std::string_view data) {
  auto event = nlohmann::json::parse(data, nullptr, false);
  if (merge_usage(event, usage_)) reported_ = true;
}

// A whole answer is parsed; a cut one is searched for its last complete usage object.
void UsageMeter::finish_json() {
  if (overflow_ || carry_.empty()) return;
  if (!may_carry_usage(carry_)) {  // most answers that name no usage (a model list): nothing to parse
    carry_.clear();
    return;
  }
  auto document = nlohmann::json::parse(carry_, nullptr, false);
  if (!document.is_discarded()) {
    if (merge_usage(document, usage_)) reported_ = true;
  } else {
    for (auto at = carry_.rfind("\"usage\""); at != std::string::npos && at > 0; at = carry_.rfind("\"usage\"", at - 1)) {
      auto open = carry_.find_first_not_of(" \t\r\n:", at + 7);
      if (open == std::string::npos || carry_[open] != '{') continue;
      auto end = end_of_json_value(carry_, open);
      if (!end) continue;
      nlohmann::json holder = {{"usage", nlohmann::json::parse(carry_.substr(open, *end - open), nullptr, false)}};
      if (merge_usage(holder, usage_)) reported_ = true;
      break;
    }
  }
  carry_.clear();
  carry_.shrink_to_fit();
}

}  // namespace saferun::broker::policy
