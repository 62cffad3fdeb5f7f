#include "broker/policy/json_object_walk.h"

#include <bit>
#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>

#include "broker/byte_words.h"

namespace saferun::broker::policy {
namespace {

class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  void skip_space() {
    while (at_ < text_.size() && (text_[at_] == ' ' || text_[at_] == '\n' || text_[at_] == '\r' || text_[at_] == '\t'))
      ++at_;
  }
  bool take(char c) {
    skip_space();
    if (at_ < text_.size() && text_[at_] == c) return ++at_, true;
    return false;
  }
  bool peek(char c) {
    skip_space();
    return at_ < text_.size() && text_[at_] == c;
  }
  std::size_t at() const { return at_; }

  // A string starting at the cursor; false when malformed.
  bool skip_string() {
    if (at_ >= text_.size() || text_[at_] != '"') return false;
    // To each quote, then count the backslashes before it.
    for (auto from = at_ + 1;;) {
      auto quote = find_quote(from);
      if (quote == std::string_view::npos) return false;
      std::size_t backslashes = 0;
      while (quote - backslashes > at_ + 1 && text_[quote - backslashes - 1] == '\\') ++backslashes;
      if (backslashes % 2 == 0) {
        at_ = quote + 1;
        return true;
      }
      from = quote + 1;
    }
  }

  // The next '"' at or after `from`, or npos. The first 16 bytes are looked at a word at a time
  // here: most keys and many values end within them, sooner than a call to memchr returns.
  // Past them memchr: most of a big body is message text inside strings, and memchr is what
  // keeps its scan near memory speed.
  std::size_t find_quote(std::size_t from) const {
    if constexpr (std::endian::native == std::endian::little) {
      for (int word = 0; word < 2 && from + 8 <= text_.size(); ++word, from += 8) {
        // The lowest flag is the first quote.
        if (auto quotes = byte_words::byte_flags(byte_words::load(text_.data() + from), '"'))
          return from + static_cast<std::size_t>(std::countr_zero(quotes)) / 8;
      }
    }
    return text_.find('"', from);
  }

  // Any value: strings as above, containers by depth, scalars up to the next delimiter.
  bool skip_value() {
    skip_space();
    if (at_ >= text_.size()) return false;
    char c = text_[at_];
    if (c == '"') return skip_string();
    if (c == '{' || c == '[') return skip_container();
    auto start = at_;
    while (at_ < text_.size() && text_[at_] != ',' && text_[at_] != '}' && text_[at_] != ']' && text_[at_] != ' ' &&
           text_[at_] != '\n' && text_[at_] != '\r' && text_[at_] != '\t')
      ++at_;
    return at_ > start;
  }

 private:
  bool skip_container() {
    int depth = 0;
    while (at_ < text_.size()) {
      char c = text_[at_];
      if (c == '"') {
        if (!skip_string()) return false;
        continue;
      }
      ++at_;
      if (c == '{' || c == '[') ++depth;
      if ((c == '}' || c == ']') && --depth == 0) return true;
    }
    return false;
  }

  std::string_view text_;
  std::size_t at_ = 0;
};

// A key literal as the upstream reads it: its bytes, or decoded when it holds escapes (the
// decoded text is kept in `storage`, which the view then points into); nullopt when it is not a
// string.
std::optional<std::string_view> key_text(std::string_view literal, std::string& storage) {
  if (literal.size() < 2 || literal.front() != '"') return std::nullopt;
  if (literal.find('\\') == std::string_view::npos) return literal.substr(1, literal.size() - 2);
  auto decoded = decode_json_string(literal);
  if (!decoded) return std::nullopt;
  storage = std::move(*decoded);
  return std::string_view(storage);
}

}  // namespace

std::optional<std::string> decode_json_string(std::string_view literal) {
  if (literal.size() < 2 || literal.front() != '"') return std::nullopt;
  if (literal.find('\\') == std::string_view::npos) return std::string(literal.substr(1, literal.size() - 2));
  auto value = nlohmann::json::parse(literal, nullptr, false);
  if (!value.is_string()) return std::nullopt;
  return value.get<std::string>();
}

bool walk_json_object(std::string_view text, JsonObjectExtent& extent,
                      FunctionRef<void(std::string_view key, ValueSpan value)> visit) {
  Scanner scan(text);
  scan.skip_space();
  extent.object_begin = scan.at();
  if (!scan.take('{')) return false;
  extent.empty = scan.peek('}');
  if (scan.take('}')) return true;
  std::string decoded_key;
  while (true) {
    scan.skip_space();
    auto key_begin = scan.at();
    if (!scan.skip_string()) return false;
    auto key = key_text(text.substr(key_begin, scan.at() - key_begin), decoded_key);
    if (!key || !scan.take(':')) return false;
    scan.skip_space();
    auto value_begin = scan.at();
    if (!scan.skip_value()) return false;
    visit(*key, ValueSpan{value_begin, scan.at()});
    if (scan.take(',')) continue;
    if (scan.take('}')) return true;
    return false;
  }
}

bool walk_json_array(std::string_view text, FunctionRef<void(ValueSpan item)> visit) {
  Scanner scan(text);
  if (!scan.take('[')) return false;
  if (scan.take(']')) return true;
  while (true) {
    scan.skip_space();
    auto begin = scan.at();
    if (!scan.skip_value()) return false;
    visit(ValueSpan{begin, scan.at()});
    if (scan.take(',')) continue;
    return scan.take(']');
  }
}

std::optional<std::size_t> end_of_json_value(std::string_view text, std::size_t at) {
  Scanner scan(text.substr(at));
  if (!scan.skip_value()) return std::nullopt;
  return at + scan.at();
}

}  // namespace saferun::broker::policy
