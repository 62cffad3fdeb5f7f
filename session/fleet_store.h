#pragma once
// The session's link to a fleet's shared store (config "store"): its password unlocked like a
// provider key, one connection on the session's event loop, checked before the child starts,
// the shared ledger over it and, when configured, the audit stream.

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <string>

#include "broker/audit_log.h"
#include "broker/ledger/audit_stream.h"
#include "broker/ledger/redis_client.h"
#include "broker/policy/ledger.h"
#include "session/reporter.h"
#include "session/store_config.h"

namespace saferun::session {

class FleetStore {
 public:
  // With the password unlock_secrets took, connects (rediss:// through a relay socket in `session_dir`) and
  // sends PING, running `io` until it is answered or its deadline passes. Throws SetupError
  // "store <url>: ..." when the store refuses the password or database — always — or cannot
  // be reached, unless on_unavailable is "local" (then a warning, and the session starts).
  FleetStore(boost::asio::io_context& io, const StoreConfig& config, broker::Secret password,
             const std::string& session_dir, const std::string& session_id, const Reporter& reporter);
  ~FleetStore();
  FleetStore(const FleetStore&) = delete;
  FleetStore& operator=(const FleetStore&) = delete;

  // The shared counters (for the policy's shared budgets and rate limits).
  std::shared_ptr<broker::policy::Ledger> ledger() const { return ledger_; }
  // For BrokerSettings::wrap_ledger: the session's own counters stay in its in-process
  // ledger, shared ones go to the store (broker/ledger/split_ledger.h).
  std::function<std::unique_ptr<broker::policy::Ledger>(std::unique_ptr<broker::policy::Ledger>)> ledger_wrapper()
      const;
  // For BrokerSettings::audit_mirror; empty when no audit stream is configured.
  std::function<void(const broker::AuditEvent&)> audit_mirror() const;
  broker::ledger::AuditStreamStats audit_stats() const;
  // At teardown: runs `io` until the audit records still on their way are acknowledged, for
  // at most one store deadline, so that the last requests of a session reach the stream too.
  void drain(boost::asio::io_context& io) const;

 private:
  void check_reachable(boost::asio::io_context& io, const StoreConfig& config, const Reporter& reporter);

  std::shared_ptr<broker::ledger::RedisClient> client_;
  std::shared_ptr<broker::policy::Ledger> ledger_;
  std::shared_ptr<broker::ledger::AuditStream> audit_;
  std::chrono::milliseconds timeout_;
  bool fallback_to_local_;
};

}  // namespace saferun::session
