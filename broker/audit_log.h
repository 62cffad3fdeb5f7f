#pragma once
// The session's audit trail: one JSON line per request in <session dir>/events.jsonl (0600).
// Holds what happened, never what was said: no token, no secret, no header value, no query
// string, no body.

#include <cstdint>
#include <string>

namespace saferun::broker {

struct AuditEvent {
  std::string time;        // RFC 3339 UTC with milliseconds
  std::string request_id;
  std::string route;       // "" when no route matched
  std::string method;
  std::string path;        // without the query string
  int status = 0;
  std::string decision;    // allowed | preflight | status | denied_auth | denied_policy | ...
  std::string reason;
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  double latency_ms = 0;
};

std::string to_json_line(const AuditEvent& event);  // ends in '\n'
std::string rfc3339_now();

class AuditLog {
 public:
  AuditLog() = default;  // records nothing
  // Creates the file exclusively with mode 0600; throws std::system_error naming it.
  explicit AuditLog(const std::string& path);
  ~AuditLog();
  AuditLog(AuditLog&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  AuditLog& operator=(AuditLog&& other) noexcept;
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  void record(const AuditEvent& event);  // one write(2) per line: readable at once

 private:
  int fd_ = -1;
};

}  // namespace saferun::broker
