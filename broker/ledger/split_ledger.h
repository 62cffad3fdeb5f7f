#pragma once
// One Ledger for the policy over two: a session's own counters in its in-process ledger, and
// the counters it shares with a fleet ("shared:<name>:...") in the store. A reservation is
// all-or-nothing across both: the local part is taken first (cheap, and it refuses most
// often), then the shared part; when the shared part is refused or unavailable, the local
// part is given back by settling it at zero.
//
// Fail closed by default: a store that is down makes a reservation that needs it
// `unavailable`. With `fallback_to_local` the shared counters are skipped while the store is
// down and the session's own limits alone decide (documented as the "on_unavailable":
// "local" switch); its settlement still goes to the store, which ignores an id it never held.

#include <memory>
#include <set>
#include <string>

#include "broker/policy/ledger.h"

namespace saferun::broker::ledger {

inline constexpr std::string_view kSharedPrefix = "shared:";

bool is_shared_counter(std::string_view key);

class SplitLedger : public policy::Ledger {
 public:
  SplitLedger(std::unique_ptr<policy::Ledger> local, std::shared_ptr<policy::Ledger> shared, bool fallback_to_local);

  void define(std::vector<policy::Counter> counters) override;
  void reserve(policy::Reservation reservation, ReserveDone done) override;
  void settle(std::string id, std::vector<policy::Draw> actual, SettleDone done) override;
  void balances(BalancesDone done) override;

  // Reservations let through on local limits alone because the store was unavailable.
  std::uint64_t fallbacks() const { return *fallbacks_; }

 private:
  std::shared_ptr<policy::Ledger> local_;
  std::shared_ptr<policy::Ledger> shared_;
  bool fallback_to_local_;
  std::shared_ptr<std::uint64_t> fallbacks_ = std::make_shared<std::uint64_t>(0);
  // Requests holding shared counters until settled: only their settlement goes to the store.
  std::shared_ptr<std::set<std::string>> shared_open_ = std::make_shared<std::set<std::string>>();
};

}  // namespace saferun::broker::ledger
