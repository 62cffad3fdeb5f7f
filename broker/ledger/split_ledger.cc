#include "broker/ledger/split_ledger.h"

namespace saferun::broker::ledger {

using policy::Draw;
using policy::LedgerStatus;
using policy::ReserveOutcome;

namespace {

template <typename Item, typename Key>
std::pair<std::vector<Item>, std::vector<Item>> split(std::vector<Item> items, Key key) {
  std::pair<std::vector<Item>, std::vector<Item>> parts;
  for (auto& item : items) (is_shared_counter(key(item)) ? parts.second : parts.first).push_back(std::move(item));
  return parts;
}

const std::string& draw_key(const Draw& draw) { return draw.counter; }

}  // namespace

bool is_shared_counter(std::string_view key) { return key.starts_with(kSharedPrefix); }

SplitLedger::SplitLedger(std::unique_ptr<policy::Ledger> local, std::shared_ptr<policy::Ledger> shared,
                         bool fallback_to_local)
    : local_(std::move(local)), shared_(std::move(shared)), fallback_to_local_(fallback_to_local) {}

void SplitLedger::define(std::vector<policy::Counter> counters) {
  auto [mine, ours] = split(std::move(counters), [](const policy::Counter& c) -> const std::string& { return c.key; });
  local_->define(std::move(mine));
  shared_->define(std::move(ours));
}

void SplitLedger::reserve(policy::Reservation reservation, ReserveDone done) {
  auto [mine, ours] = split(std::move(reservation.draws), draw_key);
  policy::Reservation local{reservation.id, std::move(mine), reservation.ttl};
  policy::Reservation shared{reservation.id, std::move(ours), reservation.ttl};
  local_->reserve(std::move(local), [local_ledger = local_, shared_ledger = shared_, fallback = fallback_to_local_,
                                     fallbacks = fallbacks_, open = shared_open_, shared = std::move(shared),
                                     done = std::move(done)](ReserveOutcome outcome) mutable {
    if (outcome.status != LedgerStatus::ok || shared.draws.empty()) return done(std::move(outcome));
    auto id = shared.id;
    open->insert(id);  // from here on, its settlement must reach the store (even a late reserve)
    shared_ledger->reserve(std::move(shared), [local_ledger, fallback, fallbacks, open, id,
                                               done = std::move(done)](ReserveOutcome shared_outcome) {
      if (shared_outcome.status == LedgerStatus::ok) return done(std::move(shared_outcome));
      // The store holds nothing for it (a reserve that may have reached it is released by
      // the Redis ledger itself).
      open->erase(id);
      if (shared_outcome.status == LedgerStatus::unavailable && fallback) {
        ++*fallbacks;
        return done(ReserveOutcome{});
      }
      // All or nothing: give back what the session's own counters took.
      local_ledger->settle(id, {}, [done, shared_outcome](LedgerStatus) { done(shared_outcome); });
    });
  });
}

void SplitLedger::settle(std::string id, std::vector<Draw> actual, SettleDone done) {
  auto [mine, ours] = split(std::move(actual), draw_key);
  if (shared_open_->erase(id) == 0) return local_->settle(std::move(id), std::move(mine), std::move(done));
  auto shared_status = std::make_shared<std::optional<LedgerStatus>>();
  auto local_status = std::make_shared<std::optional<LedgerStatus>>();
  // Both settle at once; `done` runs once both answered, with the worse status.
  auto finish = [shared_status, local_status, done = std::move(done)] {
    if (!*shared_status || !*local_status || !done) return;
    bool ok = **shared_status == LedgerStatus::ok && **local_status == LedgerStatus::ok;
    done(ok ? LedgerStatus::ok : LedgerStatus::unavailable);
  };
  local_->settle(id, std::move(mine), [local_status, finish](LedgerStatus status) {
    *local_status = status;
    finish();
  });
  shared_->settle(std::move(id), std::move(ours), [shared_status, finish](LedgerStatus status) {
    *shared_status = status;
    finish();
  });
}

void SplitLedger::balances(BalancesDone done) {
  local_->balances([shared = shared_, done = std::move(done)](LedgerStatus status, std::vector<policy::Balance> mine) {
    shared->balances([status, mine = std::move(mine), done](LedgerStatus shared_status,
                                                            std::vector<policy::Balance> ours) mutable {
      mine.insert(mine.end(), ours.begin(), ours.end());
      bool ok = status == LedgerStatus::ok && shared_status == LedgerStatus::ok;
      done(ok ? LedgerStatus::ok : LedgerStatus::unavailable, std::move(mine));
    });
  });
}

}  // namespace saferun::broker::ledger
