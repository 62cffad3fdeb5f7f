#pragma once
// The default Ledger: counters in this process, for one session. Exact: every operation runs
// on the session's single event-loop thread, and a reservation is checked and taken in one
// step, so concurrent requests can never both take the last of a budget. Windows restart at
// multiples of their length since the epoch of the injected clock; reservations past their
// ttl are given back lazily, at the next operation.

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <set>

#include "broker/policy/ledger.h"

namespace saferun::broker::policy {

using WallClock = std::function<std::chrono::system_clock::time_point()>;

class InProcessLedger : public Ledger {
 public:
  explicit InProcessLedger(boost::asio::any_io_executor executor,
                           WallClock clock = [] { return std::chrono::system_clock::now(); });

  void define(std::vector<Counter> counters) override;
  void reserve(Reservation reservation, ReserveDone done) override;
  void settle(std::string id, std::vector<Draw> actual, SettleDone done) override;
  void balances(BalancesDone done) override;

 private:
  struct Slot {
    Counter counter;
    std::int64_t used = 0;
    std::int64_t reserved = 0;
    std::int64_t window = 0;  // index of the window `used` belongs to
  };
  struct Open {
    std::vector<Draw> draws;
    std::chrono::system_clock::time_point expires;
  };

  ReserveOutcome try_reserve(const Reservation& reservation);
  void apply_settle(const std::string& id, const std::vector<Draw>& actual);
  void roll(Slot& slot, std::chrono::system_clock::time_point now) const;
  void expire_reservations(std::chrono::system_clock::time_point now);
  std::optional<std::chrono::seconds> retry_after(const Slot& slot, std::chrono::system_clock::time_point now) const;

  boost::asio::any_io_executor executor_;
  WallClock clock_;
  std::map<std::string, Slot> slots_;
  std::map<std::string, Open> open_;
};

}  // namespace saferun::broker::policy
