#pragma once
// The session's audit trail: one JSON line per request in <session dir>/events.jsonl (0600),
// and, with --audit-log FILE, the same lines appended to FILE, which outlives the session.
// Holds what happened, never what was said: no token, no secret, no header value, no query
// string, no body.
//
// Bounded, since any local process can send requests and the file often sits in RAM
// ($XDG_RUNTIME_DIR is a tmpfs): a record's path and reason are cut at kMaxFieldBytes; requests
// without the caller token are logged at most kUnauthenticatedPerSecond a second (bursts up
// to kUnauthenticatedBurst), the rest counted in the next such record ("suppressed"); and the
// file stops at kMaxFileBytes with one last "audit_log_full" record.
//
// Batched: lines are gathered and written together — when kFlushBytes have gathered, when the
// flush the owner schedules runs (the broker: kFlushDelay after the first line of a batch),
// at flush(), and when the log is destroyed (the session's teardown, after SIGTERM too). So a
// busy broker writes once per batch instead of once per request; a line reaches the file at
// most kFlushDelay after its request ended. A SIGKILLed session loses at most that window.
// Without a scheduler (flush_later unset) every line is written at once.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace saferun::broker {

struct AuditEvent {
  std::string time;        // RFC 3339 UTC with milliseconds
  std::string session;     // the session id (a persistent trail holds many sessions)
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
  // Policy and usage (forwarded requests that name a model; empty/zero otherwise).
  std::string model;
  std::int64_t input_tokens = 0;  // uncached
  std::int64_t output_tokens = 0;
  std::int64_t cache_write_tokens = 0;
  std::int64_t cache_read_tokens = 0;
  std::int64_t cost_micro_usd = 0;
  std::int64_t web_searches = 0;  // hosted web searches charged (omitted when 0)
  std::string unmetered_tool;     // a tool billed per call that no budget counted (omitted when "")
  bool metered = false;  // the usage fields are present
  bool authenticated = false;   // the caller token was accepted
  std::uint64_t suppressed = 0; // unauthenticated records dropped before this one
  std::string message_type;  // a WebSocket message's JSON "type" ("" = not a message; omitted)
};

// The record's JSON line (audit_line.cc).
std::string to_json_line(const AuditEvent& event);  // ends in '\n'
void append_json_line(std::string& out, const AuditEvent& event);  // the same, appended
std::string rfc3339_now();

class AuditLog {
 public:
  AuditLog() = default;  // records nothing
  // Creates the file exclusively with mode 0600; throws std::system_error naming it.
  explicit AuditLog(const std::string& path);
  ~AuditLog();
  AuditLog(AuditLog&& other) noexcept
      : fd_(other.fd_), trail_fd_(other.trail_fd_), pending_(std::move(other.pending_)),
        mirror_(std::move(other.mirror_)), flush_later_(std::move(other.flush_later_)) {
    other.fd_ = other.trail_fd_ = -1;
  }
  AuditLog& operator=(AuditLog&& other) noexcept;
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  static constexpr std::size_t kMaxFieldBytes = 512;
  static constexpr std::uint64_t kMaxFileBytes = 64u << 20;
  static constexpr double kUnauthenticatedPerSecond = 20;
  static constexpr double kUnauthenticatedBurst = 100;
  static constexpr std::size_t kFlushBytes = 64u << 10;
  static constexpr std::chrono::milliseconds kFlushDelay{5};

  void record(AuditEvent event);
  // Writes every gathered line (one write(2) per file).
  void flush();
  // Called when a batch starts (the first line after a flush); it must make flush() run soon
  // (the broker arms a kFlushDelay timer on its loop). Lines are written at once until it is set.
  void flush_later(std::function<void()> schedule) { flush_later_ = std::move(schedule); }
  // Every record admitted is also handed to `mirror` (which must not block), file or no file.
  void mirror_to(std::function<void(const AuditEvent&)> mirror) { mirror_ = std::move(mirror); }

  // Also appends every line to `path`, a persistent trail: created 0600 if absent, never
  // through a symlink (O_NOFOLLOW), never a FIFO or device, only a regular file owned by us
  // with one link and no group/other permissions. Throws std::system_error naming it.
  void also_append_to(const std::string& path);

 private:
  bool admit_unauthenticated();

  int fd_ = -1;
  int trail_fd_ = -1;
  std::uint64_t written_ = 0;
  bool full_ = false;
  double tokens_ = kUnauthenticatedBurst;
  std::chrono::steady_clock::time_point refilled_ = std::chrono::steady_clock::now();
  std::uint64_t suppressed_ = 0;
  std::string pending_;  // lines not written yet
  std::function<void(const AuditEvent&)> mirror_;
  std::function<void()> flush_later_;
};

}  // namespace saferun::broker
