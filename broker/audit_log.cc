#include "broker/audit_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <string_view>
#include <utility>
#include <algorithm>
#include <system_error>

namespace saferun::broker {

std::string rfc3339_now() {
  auto now = std::chrono::system_clock::now();
  auto seconds = std::chrono::system_clock::to_time_t(now);
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  char text[40];
  auto n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(text + n, sizeof text - n, ".%03dZ", static_cast<int>(millis.count()));
  return text;
}

namespace {

// A JSON string literal. Control characters are escaped; bytes that are not valid UTF-8
// (a client's raw path) become U+FFFD so the line stays valid JSON.
void append_json_string(std::string& out, std::string_view text) {
  out.push_back('"');
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < 0x20 || c == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
      out += escaped;
    } else if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else {
      auto length = c >= 0xf0 && c < 0xf5 ? 4u : c >= 0xe0 ? 3u : c >= 0xc2 && c < 0xe0 ? 2u : 0u;
      bool valid = length > 0 && i + length <= text.size();
      for (std::size_t k = 1; valid && k < length; ++k)
        valid = (static_cast<unsigned char>(text[i + k]) & 0xc0) == 0x80;
      if (valid) {
        out.append(text.substr(i, length));
        i += length - 1;
      } else {
        out += "\\ufffd";
      }
    }
  }
  out.push_back('"');
}

void append_field(std::string& out, const char* name, std::string_view value) {
  out += out.size() > 1 ? ",\"" : "\"";
  out += name;
  out += "\":";
  if (value.size() <= AuditLog::kMaxFieldBytes) return append_json_string(out, value);
  append_json_string(out, std::string(value.substr(0, AuditLog::kMaxFieldBytes)) + "...(" +
                              std::to_string(value.size()) + " bytes)");
}

void append_number(std::string& out, const char* name, const std::string& value) {
  out += ",\"";
  out += name;
  out += "\":";
  out += value;
}

}  // namespace

// Written by hand rather than through a JSON DOM: one line per request is on the hot path.
std::string to_json_line(const AuditEvent& e) {
  std::string line = "{";
  line.reserve(256);
  append_field(line, "time", e.time);
  if (!e.session.empty()) append_field(line, "session", e.session);
  append_field(line, "request_id", e.request_id);
  append_field(line, "route", e.route);
  append_field(line, "method", e.method);
  append_field(line, "path", e.path);
  append_number(line, "status", std::to_string(e.status));
  append_field(line, "decision", e.decision);
  append_field(line, "reason", e.reason);
  append_number(line, "bytes_in", std::to_string(e.bytes_in));
  append_number(line, "bytes_out", std::to_string(e.bytes_out));
  char latency[32];
  std::snprintf(latency, sizeof latency, "%.3f", e.latency_ms);
  append_number(line, "latency_ms", latency);
  if (!e.model.empty()) append_field(line, "model", e.model);
  if (e.metered) {
    append_number(line, "input_tokens", std::to_string(e.input_tokens));
    append_number(line, "output_tokens", std::to_string(e.output_tokens));
    append_number(line, "cache_write_tokens", std::to_string(e.cache_write_tokens));
    append_number(line, "cache_read_tokens", std::to_string(e.cache_read_tokens));
    append_number(line, "cost_micro_usd", std::to_string(e.cost_micro_usd));
  }
  if (e.suppressed > 0) append_number(line, "suppressed", std::to_string(e.suppressed));
  if (!e.message_type.empty()) append_field(line, "message_type", e.message_type);
  line += "}\n";
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
  auto line = to_json_line(event);
  if (written_ + line.size() > kMaxFileBytes) {
    full_ = true;
    AuditEvent last;
    last.time = event.time;
    last.decision = "audit_log_full";
    last.reason = "the audit log reached its limit of " + std::to_string(kMaxFileBytes) + " bytes; later requests are not recorded";
    line = to_json_line(last);
  }
  written_ += line.size();
  const bool batch_starts = pending_.empty();
  pending_ += line;
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
