#include "broker/ledger/redis_ledger.h"

#include <boost/asio/post.hpp>

#include "broker/ledger/script_call.h"

namespace saferun::broker::ledger {

using policy::LedgerStatus;
using policy::ReserveOutcome;

struct RedisLedger::State {
  std::shared_ptr<RedisClient> client;
  std::string prefix;
  std::vector<policy::Counter> order;             // as defined, for balances
  std::map<std::string, policy::Counter> counters;  // by key
};

namespace {

constexpr std::chrono::seconds kRecordGrace{60};

std::string decimal(std::int64_t value) { return std::to_string(value); }

std::int64_t parse_int(const RedisReply& reply) {
  if (reply.type == RedisReply::Type::integer) return reply.integer;
  try {
    return std::stoll(reply.text);
  } catch (const std::exception&) {
    return 0;
  }
}

ReserveOutcome unavailable(std::string reason) {
  ReserveOutcome outcome;
  outcome.status = LedgerStatus::unavailable;
  outcome.reason = std::move(reason);
  return outcome;
}

// One draw per counter, amounts summed: the script checks each counter once.
std::map<std::string, std::int64_t> merge_draws(const std::vector<policy::Draw>& draws) {
  std::map<std::string, std::int64_t> merged;
  for (const auto& draw : draws) merged[draw.counter] += std::max<std::int64_t>(0, draw.amount);
  return merged;
}

std::chrono::milliseconds hold_time(std::chrono::seconds ttl) {
  return std::max<std::chrono::milliseconds>(ttl, std::chrono::seconds(1));
}

std::chrono::milliseconds record_time(std::chrono::seconds ttl) { return 2 * hold_time(ttl) + kRecordGrace; }

ReserveOutcome read_reserve_reply(const RedisResult& result) {
  if (!result.reached) return unavailable("store unavailable: " + result.problem);
  const auto& reply = result.reply;
  if (reply.is_error()) return unavailable("store error: " + reply.text.substr(0, reply.text.find('\n')));
  if (reply.type != RedisReply::Type::array || reply.elements.empty())
    return unavailable("store answered the reservation in an unexpected shape");
  if (reply.elements[0].is_text("ok")) return ReserveOutcome{};
  if (!reply.elements[0].is_text("refused") || reply.elements.size() != 4)
    return unavailable("store answered the reservation in an unexpected shape");
  ReserveOutcome outcome;
  outcome.status = LedgerStatus::refused;
  outcome.counter = reply.elements[1].text;
  outcome.remaining = parse_int(reply.elements[2]);
  auto retry = parse_int(reply.elements[3]);
  if (retry >= 0) outcome.retry_after = std::chrono::seconds(retry);
  outcome.reason = "shared counter '" + outcome.counter + "' has " + decimal(outcome.remaining) + " left";
  return outcome;
}

}  // namespace

std::int64_t window_seconds(policy::Window window) {
  switch (window) {
    case policy::Window::per_minute: return 60;
    case policy::Window::per_hour: return 3600;
    case policy::Window::per_day: return 86400;
    case policy::Window::total: break;
  }
  return 0;
}

RedisLedger::RedisLedger(std::shared_ptr<RedisClient> client, std::string prefix)
    : state_(std::make_shared<State>(State{std::move(client), std::move(prefix), {}, {}})) {}

RedisLedger::~RedisLedger() = default;

void RedisLedger::define(std::vector<policy::Counter> counters) {
  for (auto& counter : counters) {
    if (state_->counters.count(counter.key) == 0) state_->order.push_back(counter);
    state_->counters[counter.key] = counter;
  }
}

void RedisLedger::reserve(policy::Reservation reservation, ReserveDone done) {
  std::vector<std::string> args{state_->prefix, reservation.id, decimal(hold_time(reservation.ttl).count()),
                                decimal(record_time(reservation.ttl).count())};
  for (const auto& [key, amount] : merge_draws(reservation.draws)) {
    auto counter = state_->counters.find(key);
    if (counter == state_->counters.end()) {
      auto outcome = unavailable("counter '" + key + "' was never defined");
      return boost::asio::post(state_->client->io(), [done, outcome] { done(outcome); });
    }
    args.insert(args.end(), {key, decimal(window_seconds(counter->second.window)), decimal(counter->second.max),
                             decimal(amount)});
  }
  run_script(state_->client, reserve_script(), std::move(args),
             [state = state_, id = reservation.id, done = std::move(done)](RedisResult result) {
               auto outcome = read_reserve_reply(result);
               // It may have reached the store even so: give it back rather than wait for the ttl.
               if (!result.reached)
                 run_script(state->client, settle_script(),
                            {state->prefix, id, decimal(record_time(std::chrono::hours(1)).count())},
                            [](RedisResult) {});
               done(std::move(outcome));
             });
}

void RedisLedger::settle(std::string id, std::vector<policy::Draw> actual, SettleDone done) {
  // The record outlives any hold: its life is bounded by the longest ttl the policy uses.
  std::vector<std::string> args{state_->prefix, id, decimal(record_time(std::chrono::hours(1)).count())};
  for (const auto& [key, amount] : merge_draws(actual)) args.insert(args.end(), {key, decimal(amount)});
  run_script(state_->client, settle_script(), std::move(args), [done = std::move(done)](RedisResult result) {
    bool ok = result.reached && !result.reply.is_error() && result.reply.type == RedisReply::Type::array;
    if (done) done(ok ? LedgerStatus::ok : LedgerStatus::unavailable);
  });
}

void RedisLedger::balances(BalancesDone done) {
  std::vector<std::string> args{state_->prefix};
  for (const auto& counter : state_->order)
    args.insert(args.end(), {counter.key, decimal(window_seconds(counter.window))});
  run_script(state_->client, balances_script(), std::move(args),
             [state = state_, done = std::move(done)](RedisResult result) {
               const auto& reply = result.reply;
               if (!result.reached || reply.type != RedisReply::Type::array ||
                   reply.elements.size() != 2 * state->order.size())
                 return done(LedgerStatus::unavailable, {});
               std::vector<policy::Balance> balances;
               for (std::size_t i = 0; i < state->order.size(); ++i)
                 balances.push_back({state->order[i], parse_int(reply.elements[2 * i]),
                                     parse_int(reply.elements[2 * i + 1])});
               done(LedgerStatus::ok, std::move(balances));
             });
}

}  // namespace saferun::broker::ledger
