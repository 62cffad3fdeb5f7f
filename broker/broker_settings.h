#pragma once
// The knobs of one broker: limits, deadlines, mode and where it reports.

#include <chrono>
#include <cstddef>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>

#include "broker/policy/policy_rules.h"

namespace saferun::broker {

struct BrokerLimits {
  std::size_t max_body_bytes = 32u << 20;
  // All request bodies held at once (read and not yet answered upstream); requests beyond it
  // wait for their turn before their body is read. Never below max_body_bytes.
  std::size_t max_body_bytes_in_flight = 256u << 20;
  std::size_t max_header_bytes = 64u << 10;
  std::size_t max_connections = 512;
  std::chrono::seconds header_timeout{60};  // also the keep-alive idle time
  std::chrono::seconds body_timeout{300};
  std::chrono::seconds write_timeout{60};
  std::chrono::seconds connect_timeout{10};          // upstream TCP connect and TLS handshake
  std::chrono::seconds upstream_idle_timeout{300};   // silence allowed between upstream bytes
};

struct AuditEvent;

struct BrokerSettings {
  std::string session_id;
  bool dry_run = false;
  BrokerLimits limits;
  std::string audit_path;        // "" = no audit file
  std::string persistent_audit_path;  // --audit-log: appended to, outlives the session ("" = none)
  policy::PolicySettings policy;      // session-wide rules and the price table
  // Given the session's in-process ledger, returns the one the policy uses (a fleet's: the
  // session's own counters local, shared ones in the store); empty = the in-process one.
  std::function<std::unique_ptr<policy::Ledger>(std::unique_ptr<policy::Ledger>)> wrap_ledger;
  // Also given every audit record (a fleet's Redis stream); empty = none.
  std::function<void(const AuditEvent&)> audit_mirror;
  std::ostream* log = nullptr;   // per-request lines when verbose; nullptr = silent
};

struct BrokerStats {
  std::uint64_t served = 0;  // answered below 400
  std::uint64_t denied = 0;  // answered 400 or above
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::uint64_t upstream_connects = 0;
  std::uint64_t upstream_handshakes = 0;
};

}  // namespace saferun::broker
