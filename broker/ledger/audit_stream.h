#pragma once
// Every audit record of the session also appended to a Redis stream, so one collector can
// follow the whole fleet: XADD <key> MAXLEN ~ <max_len> * session <id> event <json line>.
// The `event` field is the same JSON object as the line in events.jsonl (so it never holds a
// token, a secret, a header value, a query string or a body).
//
// Best effort and bounded: appends never delay a request; at most `max_in_flight` wait for
// the store, beyond that (or when the store is down) a record is counted as dropped, and the
// local events.jsonl still has it.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "broker/audit_log.h"
#include "broker/ledger/redis_client.h"

namespace saferun::broker::ledger {

struct AuditStreamStats {
  std::uint64_t appended = 0;  // acknowledged by the store
  std::uint64_t dropped = 0;   // not appended: store down, erroring, or too many in flight
};

class AuditStream {
 public:
  AuditStream(std::shared_ptr<RedisClient> client, std::string key, std::size_t max_len, std::string session_id,
              std::size_t max_in_flight = 1024);

  void append(const AuditEvent& event);
  AuditStreamStats stats() const { return state_->stats; }
  std::size_t in_flight() const { return state_->in_flight; }

  struct State {
    std::shared_ptr<RedisClient> client;
    std::string key;
    std::string max_len;
    std::string session_id;
    std::size_t max_in_flight;
    std::size_t in_flight = 0;
    AuditStreamStats stats;
  };

 private:
  std::shared_ptr<State> state_;
};

}  // namespace saferun::broker::ledger
