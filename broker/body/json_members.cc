#include "broker/body/json_members.h"

#include <cstring>
#include <string>

namespace saferun::broker {
namespace {

constexpr std::size_t kMaxDepth = 512;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  void skip_space() {
    while (at_ < text_.size() && is_space(text_[at_])) ++at_;
  }
  bool take(char c) {
    skip_space();
    if (at_ >= text_.size() || text_[at_] != c) return false;
    ++at_;
    return true;
  }
  bool peek(char c) {
    skip_space();
    return at_ < text_.size() && text_[at_] == c;
  }
  std::size_t at() const { return at_; }
  bool at_end() {
    skip_space();
    return at_ == text_.size();
  }

  // A string starting at the current quote; `raw` gets the bytes between the quotes.
  bool string(std::string_view& raw, bool& escaped) {
    if (!take('"')) return false;
    auto start = at_;
    escaped = false;
    for (;;) {
      // Most of a body is string content: jump to the next quote or backslash.
      const char* base = text_.data() + at_;
      auto rest = text_.size() - at_;
      auto* quote = static_cast<const char*>(std::memchr(base, '"', rest));
      if (quote == nullptr) return false;
      auto* slash = static_cast<const char*>(std::memchr(base, '\\', static_cast<std::size_t>(quote - base)));
      if (slash == nullptr) {
        at_ = static_cast<std::size_t>(quote - text_.data());
        break;
      }
      escaped = true;
      at_ = static_cast<std::size_t>(slash - text_.data()) + 2;  // the backslash and what it escapes
      if (at_ > text_.size()) return false;
    }
    raw = text_.substr(start, at_ - start);
    ++at_;
    return true;
  }

  // Any value; nesting bounded by kMaxDepth.
  bool value(std::size_t depth) {
    skip_space();
    if (at_ >= text_.size() || depth > kMaxDepth) return false;
    char c = text_[at_];
    std::string_view ignored;
    bool escaped;
    if (c == '"') return string(ignored, escaped);
    if (c == '{') return container('}', depth, true);
    if (c == '[') return container(']', depth, false);
    auto start = at_;
    while (at_ < text_.size() && !is_space(text_[at_]) && text_[at_] != ',' && text_[at_] != '}' &&
           text_[at_] != ']' && text_[at_] != '{' && text_[at_] != '[' && text_[at_] != '"' && text_[at_] != ':')
      ++at_;
    return at_ > start;
  }

 private:
  bool container(char close, std::size_t depth, bool members) {
    ++at_;
    if (take(close)) return true;
    do {
      if (members) {
        std::string_view key;
        bool escaped;
        if (!string(key, escaped) || !take(':')) return false;
      }
      if (!value(depth + 1)) return false;
    } while (take(','));
    return take(close);
  }

  std::string_view text_;
  std::size_t at_ = 0;
};

void append_utf8(std::string& out, unsigned code) {
  if (code < 0x80) {
    out.push_back(static_cast<char>(code));
  } else if (code < 0x800) {
    out.push_back(static_cast<char>(0xc0 | (code >> 6)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3f)));
  } else {
    out.push_back(static_cast<char>(0xe0 | (code >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3f)));
  }
}

// JSON string unescaping of a key (keys are short; only escaped ones come here). Surrogate
// pairs never spell an ASCII field name, so they are kept as two code units.
std::string unescape(std::string_view raw) {
  std::string out;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '\\' || i + 1 >= raw.size()) {
      out.push_back(raw[i]);
      continue;
    }
    char e = raw[++i];
    switch (e) {
      case 'n': out.push_back('\n'); break;
      case 't': out.push_back('\t'); break;
      case 'r': out.push_back('\r'); break;
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'u': {
        unsigned code = 0;
        std::size_t k = 1;
        for (; k <= 4 && i + k < raw.size(); ++k) {
          char h = raw[i + k];
          int digit = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
          if (digit < 0) break;
          code = code * 16 + static_cast<unsigned>(digit);
        }
        if (k != 5) return std::string(raw);  // malformed: matches no field name
        append_utf8(out, code);
        i += 4;
        break;
      }
      default: out.push_back(e);
    }
  }
  return out;
}

}  // namespace

std::optional<std::vector<JsonMember>> find_json_members(std::string_view json,
                                                         const std::vector<std::string_view>& names) {
  std::vector<JsonMember> found(names.size());
  Scanner scan(json);
  if (!scan.take('{')) return std::nullopt;
  if (!scan.take('}')) {
    do {
      std::string_view raw;
      bool escaped;
      if (!scan.string(raw, escaped) || !scan.take(':')) return std::nullopt;
      std::string decoded;
      if (escaped) decoded = unescape(raw);
      std::string_view key = escaped ? std::string_view(decoded) : raw;
      scan.skip_space();
      auto start = scan.at();
      if (!scan.value(1)) return std::nullopt;
      for (std::size_t i = 0; i < names.size(); ++i) {
        if (key != names[i]) continue;
        found[i] = {start, scan.at() - start, found[i].count + 1};
      }
    } while (scan.take(','));
    if (!scan.take('}')) return std::nullopt;
  }
  if (!scan.at_end()) return std::nullopt;
  return found;
}

}  // namespace saferun::broker
