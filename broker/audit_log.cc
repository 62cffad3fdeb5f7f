#include "broker/audit_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <string_view>
#include <utility>
#include <algorithm>
#include <array>
#include <system_error>

namespace saferun::broker {

// One call per request: the date and time are formatted again only when the second changes.
std::string rfc3339_now() {
  thread_local std::time_t formatted_second = -1;
  thread_local char text[40];
  thread_local std::size_t prefix = 0;
  auto now = std::chrono::system_clock::now();
  auto seconds = std::chrono::system_clock::to_time_t(now);
  if (seconds != formatted_second) {
    std::tm utc{};
    ::gmtime_r(&seconds, &utc);
    prefix = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
    formatted_second = seconds;
  }
  auto millis = static_cast<int>(
      (std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000).count());
  char* end = text + prefix;
  *end++ = '.';
  *end++ = static_cast<char>('0' + millis / 100);
  *end++ = static_cast<char>('0' + millis / 10 % 10);
  *end++ = static_cast<char>('0' + millis % 10);
  *end++ = 'Z';
  return std::string(text, end);
}

namespace {

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

// A JSON string literal. Control characters are escaped; bytes that are not valid UTF-8
// (a client's raw path) become U+FFFD so the line stays valid JSON.
void append_json_string(std::string& out, std::string_view text) {
  out.push_back('"');
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (is_plain_json(c)) {  // a run of printable ASCII goes in one append
      auto run = i + 1;
      while (run < text.size() && is_plain_json(static_cast<unsigned char>(text[run]))) ++run;
      out.append(text.data() + i, run - i);
      i = run - 1;
    } else if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < 0x20 || c == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
      out += escaped;
    } else if (auto length = utf8_sequence_length(text.substr(i))) {
      out.append(text.substr(i, length));
      i += length - 1;
    } else {
      out += "\\ufffd";
    }
  }
  out.push_back('"');
}

// A field's value, cut to kMaxFieldBytes (a client's path can be long).
void append_json_string_bounded(std::string& out, std::string_view value) {
  if (value.size() <= AuditLog::kMaxFieldBytes) return append_json_string(out, value);
  append_json_string(out, std::string(value.substr(0, AuditLog::kMaxFieldBytes)) + "...(" +
                              std::to_string(value.size()) + " bytes)");
}

// `,"name":` (or `"name":` for the first member) in one append: a line has some twenty.
void append_key(std::string& out, std::string_view name, bool first = false) {
  char text[32];
  if (name.size() + 4 > sizeof text) {  // no member name is this long; kept correct if one ever is
    out += first ? "\"" : ",\"";
    out += name;
    out += "\":";
    return;
  }
  std::size_t length = 0;
  if (!first) text[length++] = ',';
  text[length++] = '"';
  length += name.copy(text + length, name.size());
  text[length++] = '"';
  text[length++] = ':';
  out.append(text, length);
}

void append_raw(std::string& out, std::string_view name, std::string_view value) {
  append_key(out, name);
  out += value;
}

template <class Number>
void append_number(std::string& out, std::string_view name, Number value) {
  char text[24];
  auto end = std::to_chars(text, text + sizeof text, value).ptr;
  append_raw(out, name, std::string_view(text, static_cast<std::size_t>(end - text)));
}

}  // namespace

// Written by hand rather than through a JSON DOM: one line per request is on the hot path.
void append_json_line(std::string& line, const AuditEvent& e) {
  const auto start = line.size();
  line += '{';
  auto field = [&](std::string_view name, std::string_view value) {
    append_key(line, name, line.size() == start + 1);
    append_json_string_bounded(line, value);
  };
  field("time", e.time);
  if (!e.session.empty()) field("session", e.session);
  field("request_id", e.request_id);
  field("route", e.route);
  field("method", e.method);
  field("path", e.path);
  append_number(line, "status", e.status);
  field("decision", e.decision);
  field("reason", e.reason);
  append_number(line, "bytes_in", e.bytes_in);
  append_number(line, "bytes_out", e.bytes_out);
  char latency[32];
  auto end = std::to_chars(latency, latency + sizeof latency, e.latency_ms, std::chars_format::fixed, 3).ptr;
  append_raw(line, "latency_ms", std::string_view(latency, static_cast<std::size_t>(end - latency)));
  if (!e.model.empty()) field("model", e.model);
  if (e.metered) {
    append_number(line, "input_tokens", e.input_tokens);
    append_number(line, "output_tokens", e.output_tokens);
    append_number(line, "cache_write_tokens", e.cache_write_tokens);
    append_number(line, "cache_read_tokens", e.cache_read_tokens);
    append_number(line, "cost_micro_usd", e.cost_micro_usd);
    if (e.web_searches > 0) append_number(line, "web_searches", e.web_searches);
  }
  if (!e.unmetered_tool.empty()) field("unmetered_tool", e.unmetered_tool);
  if (e.suppressed > 0) append_number(line, "suppressed", e.suppressed);
  if (!e.message_type.empty()) field("message_type", e.message_type);
  line += "}\n";
}

std::string to_json_line(const AuditEvent& event) {
  std::string line;
  line.reserve(256);
  append_json_line(line, event);
  return line;
}

AuditLog::AuditLog(const std::string& path) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "create " + path);
}

AuditLog::~AuditLog() {
  flush();
  if (fd_ >= 0) ::close(fd_);
  if (trail_fd_ >= 0) ::close(trail_fd_);
}

void AuditLog::also_append_to(const std::string& path) {
  // O_NONBLOCK: a FIFO planted at the path must not block the open; it is refused below.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "open audit log " + path);
  struct stat st {};
  const char* wrong = nullptr;
  if (::fstat(fd, &st) != 0) wrong = "cannot stat it";
  else if (!S_ISREG(st.st_mode)) wrong = "not a regular file";
  else if (st.st_uid != ::geteuid()) wrong = "owned by another user";
  else if (st.st_nlink != 1) wrong = "it has more than one hard link";
  else if ((st.st_mode & 077) != 0) wrong = "group or others may access it (want mode 0600)";
  if (wrong != nullptr) {
    ::close(fd);
    throw std::system_error(EPERM, std::generic_category(), "audit log " + path + ": " + wrong);
  }
  ::fcntl(fd, F_SETFL, O_WRONLY | O_APPEND);
  if (trail_fd_ >= 0) ::close(trail_fd_);
  trail_fd_ = fd;
}

AuditLog& AuditLog::operator=(AuditLog&& other) noexcept {
  if (this != &other) {
    flush();
    if (fd_ >= 0) ::close(fd_);
    if (trail_fd_ >= 0) ::close(trail_fd_);
    fd_ = other.fd_;
    trail_fd_ = other.trail_fd_;
    other.fd_ = other.trail_fd_ = -1;
    pending_ = std::move(other.pending_);
    mirror_ = std::move(other.mirror_);
    flush_later_ = std::move(other.flush_later_);
  }
  return *this;
}

// A token bucket: refilled with time, one token per record.
bool AuditLog::admit_unauthenticated() {
  auto now = std::chrono::steady_clock::now();
  tokens_ = std::min(kUnauthenticatedBurst,
                     tokens_ + std::chrono::duration<double>(now - refilled_).count() * kUnauthenticatedPerSecond);
  refilled_ = now;
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

void AuditLog::record(AuditEvent event) {
  if (!event.authenticated) {
    if (!admit_unauthenticated()) return void(++suppressed_);
    event.suppressed = std::exchange(suppressed_, 0);
  }
  if (mirror_) mirror_(event);
  if ((fd_ < 0 && trail_fd_ < 0) || full_) return;
  const bool batch_starts = pending_.empty();
  const auto line_start = pending_.size();
  append_json_line(pending_, event);
  if (written_ + (pending_.size() - line_start) > kMaxFileBytes) {
    full_ = true;
    pending_.resize(line_start);
    AuditEvent last;
    last.time = event.time;
    last.decision = "audit_log_full";
    last.reason = "the audit log reached its limit of " + std::to_string(kMaxFileBytes) + " bytes; later requests are not recorded";
    append_json_line(pending_, last);
  }
  written_ += pending_.size() - line_start;
  if (!flush_later_ || full_ || pending_.size() >= kFlushBytes) return flush();
  if (batch_starts) flush_later_();
}

namespace {

// A lost audit line must not take the request down with it; the write is best effort.
void write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    auto n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace

void AuditLog::flush() {
  if (pending_.empty()) return;
  if (fd_ >= 0) write_all(fd_, pending_);
  if (trail_fd_ >= 0) write_all(trail_fd_, pending_);
  pending_.clear();
}

}  // namespace saferun::broker
