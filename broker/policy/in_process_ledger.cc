#include "broker/policy/in_process_ledger.h"

#include <boost/asio/post.hpp>

#include "broker/policy/saturating.h"

namespace saferun::broker::policy {
namespace {

using std::chrono::seconds;
using TimePoint = std::chrono::system_clock::time_point;

seconds window_length(Window window) {
  switch (window) {
    case Window::per_minute: return seconds(60);
    case Window::per_hour: return seconds(3600);
    case Window::per_day: return seconds(86400);
    case Window::total: break;
  }
  return seconds(0);
}

std::int64_t window_index(Window window, TimePoint now) {
  auto length = window_length(window);
  if (length.count() == 0) return 0;
  return std::chrono::duration_cast<seconds>(now.time_since_epoch()).count() / length.count();
}

}  // namespace

InProcessLedger::InProcessLedger(boost::asio::any_io_executor executor, WallClock clock)
    : executor_(std::move(executor)), clock_(std::move(clock)) {}

void InProcessLedger::define(std::vector<Counter> counters) {
  auto now = clock_();
  for (auto& counter : counters) {
    auto [it, inserted] = slots_.try_emplace(counter.key);
    if (inserted) it->second.window = window_index(counter.window, now);
    it->second.counter = std::move(counter);
  }
}

void InProcessLedger::roll(Slot& slot, TimePoint now) const {
  auto index = window_index(slot.counter.window, now);
  if (index != slot.window) {
    slot.window = index;
    slot.used = 0;
  }
}

void InProcessLedger::expire_reservations(TimePoint now) {
  for (auto it = open_.begin(); it != open_.end();) {
    if (it->second.expires > now) {
      ++it;
      continue;
    }
    for (const auto& draw : it->second.draws) {
      if (auto slot = slots_.find(draw.counter); slot != slots_.end()) slot->second.reserved -= draw.amount;
    }
    it = open_.erase(it);
  }
}

std::optional<seconds> InProcessLedger::retry_after(const Slot& slot, TimePoint now) const {
  auto length = window_length(slot.counter.window);
  if (length.count() == 0) return std::nullopt;
  auto elapsed = std::chrono::duration_cast<seconds>(now.time_since_epoch()).count() % length.count();
  return seconds(length.count() - elapsed);
}

ReserveOutcome InProcessLedger::try_reserve(const Reservation& reservation) {
  auto now = clock_();
  expire_reservations(now);
  if (open_.count(reservation.id)) return {};  // the same request again: already holds its amounts
  for (const auto& draw : reservation.draws) {
    auto it = slots_.find(draw.counter);
    if (it == slots_.end())
      return {LedgerStatus::unavailable, draw.counter, 0, std::nullopt, "counter " + draw.counter + " is not defined"};
    auto& slot = it->second;
    roll(slot, now);
    auto left = saturating_sub(saturating_sub(slot.counter.max, slot.used), slot.reserved);
    if (draw.amount > left)
      return {LedgerStatus::refused, draw.counter, std::max<std::int64_t>(left, 0), retry_after(slot, now),
              draw.counter + " has " + std::to_string(std::max<std::int64_t>(left, 0)) + " left, the request needs " +
                  std::to_string(draw.amount)};
  }
  for (const auto& draw : reservation.draws)
    slots_[draw.counter].reserved = saturating_add(slots_[draw.counter].reserved, draw.amount);
  open_[reservation.id] = {reservation.draws, now + reservation.ttl};
  return {};
}

void InProcessLedger::apply_settle(const std::string& id, const std::vector<Draw>& actual) {
  auto now = clock_();
  expire_reservations(now);
  auto it = open_.find(id);
  if (it == open_.end()) return;  // settled already, expired, or never reserved
  for (const auto& draw : it->second.draws) {
    auto slot = slots_.find(draw.counter);
    if (slot == slots_.end()) continue;
    roll(slot->second, now);
    slot->second.reserved = saturating_sub(slot->second.reserved, draw.amount);
    for (const auto& used : actual)
      if (used.counter == draw.counter) slot->second.used = saturating_add(slot->second.used, used.amount);
  }
  open_.erase(it);
}

void InProcessLedger::reserve(Reservation reservation, ReserveDone done) {
  auto outcome = try_reserve(reservation);
  boost::asio::post(executor_, [done = std::move(done), outcome = std::move(outcome)]() mutable {
    done(std::move(outcome));
  });
}

void InProcessLedger::settle(std::string id, std::vector<Draw> actual, SettleDone done) {
  apply_settle(id, actual);
  // Nothing to post without a completion: a meter settling from its destructor while the
  // io_context is being torn down must not post to it.
  if (!done) return;
  boost::asio::post(executor_, [done = std::move(done)] { done(LedgerStatus::ok); });
}

void InProcessLedger::balances(BalancesDone done) {
  auto now = clock_();
  expire_reservations(now);
  std::vector<Balance> out;
  for (auto& [key, slot] : slots_) {
    roll(slot, now);
    out.push_back({slot.counter, slot.used, slot.reserved});
  }
  boost::asio::post(executor_, [done = std::move(done), out = std::move(out)]() mutable {
    done(LedgerStatus::ok, std::move(out));
  });
}

}  // namespace saferun::broker::policy
