#pragma once
// The ledger of a fleet: counters kept in a shared Redis store, so that every session naming
// a shared budget or rate limit draws from one pot. Reserve, settle and balances are each one
// Lua script, atomic on the server (see ledger_scripts.h for the keys).
//
// Exactness: a reservation succeeds only if, for every counter it names, settled use in the
// current window + every open hold + its amount <= max, checked and taken in one script. So
// the store is never overshot by reservations. What can exceed `max` is only
//   (a) a settlement larger than its reservation (the policy under-estimated the worst case),
//       by exactly that excess, and
//   (b) a request that outlives its reservation's ttl: its hold is given back at the ttl and
//       its late settlement is still charged (within the record's life, 2 x ttl + 60 s),
// i.e. overshoot <= sum over in-flight requests of (actual - reserved)+ plus the holds of
// requests running longer than ttl. With worst-case reservations and ttl above the longest
// request, the bound is zero.
//
// Windows are fixed, from the server's clock; a settlement counts in the window it arrives
// in. A store that is down, slow (past the client's deadline) or answering errors makes an
// operation complete as `unavailable`, never `refused`. A reserve that did not come back is
// released by a best-effort settle of nothing, so a hold that reached the store anyway does
// not wait for its ttl (a tombstone stops a reserve that arrives even later).

#include <map>
#include <memory>
#include <string>

#include "broker/ledger/redis_client.h"
#include "broker/policy/ledger.h"

namespace saferun::broker::ledger {

class RedisLedger : public policy::Ledger {
 public:
  // `prefix` namespaces the keys (several teams may share one store).
  RedisLedger(std::shared_ptr<RedisClient> client, std::string prefix);
  ~RedisLedger() override;

  void define(std::vector<policy::Counter> counters) override;
  void reserve(policy::Reservation reservation, ReserveDone done) override;
  void settle(std::string id, std::vector<policy::Draw> actual, SettleDone done) override;
  void balances(BalancesDone done) override;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

// Window length in seconds; 0 for a total.
std::int64_t window_seconds(policy::Window window);

}  // namespace saferun::broker::ledger
