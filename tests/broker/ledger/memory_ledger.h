#pragma once
// A plain in-memory Ledger for tests of what sits above a ledger (windows are ignored: every
// counter is a total). Completions are posted to the loop, as the contract wants.

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <map>

#include "broker/policy/ledger.h"

namespace saferun::test {

class MemoryLedger : public broker::policy::Ledger {
 public:
  explicit MemoryLedger(boost::asio::io_context& io) : io_(io) {}

  void define(std::vector<broker::policy::Counter> counters) override {
    for (auto& c : counters) counters_[c.key] = c;
  }
  void reserve(broker::policy::Reservation r, ReserveDone done) override {
    broker::policy::ReserveOutcome outcome;
    for (const auto& d : r.draws) {
      auto left = counters_[d.counter].max - used_[d.counter] - held_[d.counter];
      if (d.amount > left) {
        outcome = {broker::policy::LedgerStatus::refused, d.counter, left, std::nullopt, "local"};
        break;
      }
    }
    if (outcome.status == broker::policy::LedgerStatus::ok && !open_.count(r.id)) {
      for (const auto& d : r.draws) held_[d.counter] += d.amount;
      open_[r.id] = r.draws;
    }
    boost::asio::post(io_, [done, outcome] { done(outcome); });
  }
  void settle(std::string id, std::vector<broker::policy::Draw> actual, SettleDone done) override {
    if (auto it = open_.find(id); it != open_.end()) {
      for (const auto& d : it->second) held_[d.counter] -= d.amount;
      for (const auto& d : actual) used_[d.counter] += d.amount;
      open_.erase(it);
    }
    boost::asio::post(io_, [done] { if (done) done(broker::policy::LedgerStatus::ok); });
  }
  void balances(BalancesDone done) override {
    std::vector<broker::policy::Balance> out;
    for (const auto& [key, c] : counters_) out.push_back({c, used_[key], held_[key]});
    boost::asio::post(io_, [done, out] { done(broker::policy::LedgerStatus::ok, out); });
  }

  std::int64_t held(const std::string& key) { return held_[key]; }
  std::int64_t used(const std::string& key) { return used_[key]; }

 private:
  boost::asio::io_context& io_;
  std::map<std::string, broker::policy::Counter> counters_;
  std::map<std::string, std::int64_t> used_, held_;
  std::map<std::string, std::vector<broker::policy::Draw>> open_;
};

}  // namespace saferun::test
