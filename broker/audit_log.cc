#include "broker/audit_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>
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

std::string to_json_line(const AuditEvent& e) {
  nlohmann::json line = {
      {"time", e.time},         {"request_id", e.request_id}, {"route", e.route},
      {"method", e.method},     {"path", e.path},             {"status", e.status},
      {"decision", e.decision}, {"reason", e.reason},         {"bytes_in", e.bytes_in},
      {"bytes_out", e.bytes_out}, {"latency_ms", e.latency_ms},
  };
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

AuditLog::AuditLog(const std::string& path) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "create " + path);
}

AuditLog::~AuditLog() {
  if (fd_ >= 0) ::close(fd_);
}

AuditLog& AuditLog::operator=(AuditLog&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

void AuditLog::record(const AuditEvent& event) {
  if (fd_ < 0) return;
  auto line = to_json_line(event);
  // A lost audit line must not take the request down with it; the write is best effort.
  [[maybe_unused]] auto written = ::write(fd_, line.data(), line.size());
}

}  // namespace saferun::broker
