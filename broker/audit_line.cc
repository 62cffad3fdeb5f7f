// How one audit record becomes its JSON line (declared in audit_log.h). Written by hand rather
// than through a JSON DOM: one line per request is on the hot path.

#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

#include "broker/audit_log.h"
#include "broker/byte_words.h"

namespace saferun::broker {
namespace {

// The line is put together in a buffer on the stack and appended to its string once (more
// often only for a line whose fields are long): a line is some sixty short pieces, and a
// std::string append checks, and may grow, the string's capacity each time.
class LineWriter {
 public:
  explicit LineWriter(std::string& out) : out_(out) {}
  LineWriter(const LineWriter&) = delete;
  LineWriter& operator=(const LineWriter&) = delete;

  void put(char c) {
    if (used_ == kBytes) flush();
    buffer_[used_++] = c;
  }
  void put(std::string_view bytes) {
    if (bytes.size() > kBytes - used_) flush();
    if (bytes.size() > kBytes) return void(out_.append(bytes));
    std::memcpy(buffer_ + used_, bytes.data(), bytes.size());
    used_ += bytes.size();
  }
  // Room for `n` (at most kSmallPiece) bytes written in place, then taken with commit().
  char* room(std::size_t n) {
    if (n > kBytes - used_) flush();
    return buffer_ + used_;
  }
  void commit(char* end) { used_ = static_cast<std::size_t>(end - buffer_); }
  // What is gathered, to the string: called at the line's end (not by a destructor, where a
  // failed allocation would end the process rather than the request).
  void flush() {
    out_.append(buffer_, used_);
    used_ = 0;
  }

  static constexpr std::size_t kSmallPiece = 64;

 private:

  static constexpr std::size_t kBytes = 1024;
  std::string& out_;
  std::size_t used_ = 0;
  char buffer_[kBytes];
};

// The length of the well-formed UTF-8 sequence `text` starts with (RFC 3629, table 3-7 of the
// Unicode standard: no overlong forms, no surrogates, nothing past U+10FFFF), or 0.
std::size_t utf8_sequence_length(std::string_view text) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(0);
  std::size_t length = lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
  if (length == 0 || text.size() < length) return 0;
  unsigned char low = 0x80, high = 0xbf;  // the second byte's range depends on the lead
  if (lead == 0xe0) low = 0xa0;
  if (lead == 0xed) high = 0x9f;
  if (lead == 0xf0) low = 0x90;
  if (lead == 0xf4) high = 0x8f;
  if (byte(1) < low || byte(1) > high) return 0;
  for (std::size_t k = 2; k < length; ++k)
    if ((byte(k) & 0xc0) != 0x80) return 0;
  return length;
}

// Bytes a JSON string holds as they are: printable ASCII but the quote and the backslash. A
// table, since every byte of every audit line's strings is looked up here.
constexpr std::array<bool, 256> kPlainJson = [] {
  std::array<bool, 256> plain{};
  for (int c = 0x20; c < 0x7f; ++c) plain[c] = c != '"' && c != '\\';
  return plain;
}();

bool is_plain_json(unsigned char c) { return kPlainJson[c]; }

// Where the run of plain bytes from `from` ends: eight at a time while all eight are plain.
std::size_t plain_run_end(std::string_view text, std::size_t from) {
  using namespace byte_words;
  for (; from + 8 <= text.size(); from += 8) {
    auto word = load(text.data() + from);
    if (any_below(word, 0x20) || any_above(word, 0x7e) || byte_flags(word, '"') || byte_flags(word, '\\')) break;
  }
  while (from < text.size() && is_plain_json(static_cast<unsigned char>(text[from]))) ++from;
  return from;
}

void put_control_escape(LineWriter& out, unsigned char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  const char escaped[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
  out.put(std::string_view(escaped, sizeof escaped));
}

// A JSON string literal. Control characters are escaped; bytes that are not valid UTF-8
// (a client's raw path) become U+FFFD so the line stays valid JSON.
void put_json_string(LineWriter& out, std::string_view text) {
  out.put('"');
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (is_plain_json(c)) {  // a run of printable ASCII goes in one piece
      auto run = plain_run_end(text, i + 1);
      out.put(text.substr(i, run - i));
      i = run - 1;
    } else if (c == '"' || c == '\\') {
      out.put('\\');
      out.put(static_cast<char>(c));
    } else if (c < 0x20 || c == 0x7f) {
      put_control_escape(out, c);
    } else if (auto length = utf8_sequence_length(text.substr(i))) {
      out.put(text.substr(i, length));
      i += length - 1;
    } else {
      out.put("\\ufffd");
    }
  }
  out.put('"');
}

// A field's value, cut to kMaxFieldBytes (a client's path can be long).
void put_json_string_bounded(LineWriter& out, std::string_view value) {
  if (value.size() <= AuditLog::kMaxFieldBytes) return put_json_string(out, value);
  put_json_string(out, std::string(value.substr(0, AuditLog::kMaxFieldBytes)) + "...(" + std::to_string(value.size()) +
                           " bytes)");
}

// `,"name":` (or `"name":` for the first member); every member name is a short literal.
void put_key(LineWriter& out, std::string_view name, bool first = false) {
  if (name.size() + 4 > LineWriter::kSmallPiece) {  // no member name is this long; kept correct if one ever is
    out.put(first ? "\"" : ",\"");
    out.put(name);
    return out.put("\":");
  }
  char* at = out.room(name.size() + 4);
  if (!first) *at++ = ',';
  *at++ = '"';
  at += name.copy(at, name.size());
  *at++ = '"';
  *at++ = ':';
  out.commit(at);
}

template <class Number>
void put_number(LineWriter& out, std::string_view name, Number value) {
  put_key(out, name);
  char* at = out.room(LineWriter::kSmallPiece);
  out.commit(std::to_chars(at, at + LineWriter::kSmallPiece, value).ptr);
}

// Three decimals, from the value in whole microseconds (rounded half away from zero) printed
// as integers: a double's own fixed-notation formatting costs ten times as much, and rounds
// differently only within a rounding error of a half microsecond. Values no request takes
// (negative, or past a year) go through it still.
void put_milliseconds(LineWriter& out, std::string_view name, double value) {
  put_key(out, name);
  if (!(value >= 0 && value < 3.2e10)) {
    char text[320];  // the longest fixed-notation double with three decimals
    auto end = std::to_chars(text, text + sizeof text, value, std::chars_format::fixed, 3).ptr;
    return out.put(std::string_view(text, static_cast<std::size_t>(end - text)));
  }
  const auto micros = std::llround(value * 1000);
  char* at = out.room(LineWriter::kSmallPiece);
  at = std::to_chars(at, at + 24, micros / 1000).ptr;
  const auto fraction = static_cast<int>(micros % 1000);
  *at++ = '.';
  *at++ = static_cast<char>('0' + fraction / 100);
  *at++ = static_cast<char>('0' + fraction / 10 % 10);
  *at++ = static_cast<char>('0' + fraction % 10);
  out.commit(at);
}

}  // namespace

void append_json_line(std::string& line, const AuditEvent& e) {
  LineWriter out(line);
  bool first = true;
  auto field = [&](std::string_view name, std::string_view value) {
    put_key(out, name, std::exchange(first, false));
    put_json_string_bounded(out, value);
  };
  out.put('{');
  field("time", e.time);
  if (!e.session.empty()) field("session", e.session);
  field("request_id", e.request_id);
  field("route", e.route);
  field("method", e.method);
  field("path", e.path);
  put_number(out, "status", e.status);
  field("decision", e.decision);
  field("reason", e.reason);
  put_number(out, "bytes_in", e.bytes_in);
  put_number(out, "bytes_out", e.bytes_out);
  put_milliseconds(out, "latency_ms", e.latency_ms);
  if (!e.model.empty()) field("model", e.model);
  if (e.metered) {
    put_number(out, "input_tokens", e.input_tokens);
    put_number(out, "output_tokens", e.output_tokens);
    put_number(out, "cache_write_tokens", e.cache_write_tokens);
    put_number(out, "cache_read_tokens", e.cache_read_tokens);
    put_number(out, "cost_micro_usd", e.cost_micro_usd);
    if (e.web_searches > 0) put_number(out, "web_searches", e.web_searches);
  }
  if (!e.unmetered_tool.empty()) field("unmetered_tool", e.unmetered_tool);
  if (e.suppressed > 0) put_number(out, "suppressed", e.suppressed);
  if (!e.message_type.empty()) field("message_type", e.message_type);
  out.put("}\n");
  out.flush();
}

std::string to_json_line(const AuditEvent& event) {
  std::string line;
  line.reserve(256);
  append_json_line(line, event);
  return line;
}

}  // namespace saferun::broker
