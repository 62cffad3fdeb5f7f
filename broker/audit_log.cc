#include "broker/audit_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <ctime>
#include <string_view>
#include <utility>
#include <algorithm>
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
