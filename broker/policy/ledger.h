#pragma once
// Where budget and rate-limit counters live, behind one small asynchronous interface:
// an in-process implementation (the default, one session) and a shared store (Redis, a fleet).
//
// Contract (both implementations, and the tests that hold them to it):
// - reserve() is all-or-nothing across every counter it names: either each counter takes its
//   amount, or none does and the outcome names the first counter that refused.
// - A reservation is keyed by an idempotency id unique per request (session id + request id).
//   settle() replaces what was reserved by what was really used; settling twice, or settling
//   an id that expired or was never reserved, changes nothing the second time.
// - A reservation that is never settled (its session was SIGKILLed, its machine lost) gives
//   back its amount by itself after `ttl`.
// - Every completion runs on the session's event loop, never inside the call that started it,
//   so a caller may start the next operation from a completion without re-entering.
// - "unavailable" (a store that is down or answered an error) is distinct from "refused"
//   (over a limit): the broker fails closed on both, with different answers (503 vs 429/402).
//
// The ledger knows nothing about prices, models or HTTP: the policy turns a request into
// amounts per counter, and real usage into the amounts it settles.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace saferun::broker::policy {

// What a counter counts. Money is integer micro-USD so that sums never drift.
enum class Unit { micro_usd, input_tokens, output_tokens, tokens, requests, concurrent };

// The span a counter's total is kept over. `fixed` windows restart at multiples of their
// length since the epoch (per_minute, per_hour, per_day); `total` never restarts.
enum class Window { total, per_minute, per_hour, per_day };

// One limit: at most `max` units over `window`. `key` names it across every session that
// shares it ("session:<id>:budget_usd", "shared:eval-pipeline:usd:day").
struct Counter {
  std::string key;
  Unit unit = Unit::requests;
  Window window = Window::total;
  std::int64_t max = 0;
};

struct Draw {
  std::string counter;  // a Counter's key
  std::int64_t amount = 0;
};

struct Reservation {
  std::string id;               // idempotency id
  std::vector<Draw> draws;      // the worst case the request may use
  std::chrono::seconds ttl{0};  // given back by itself if never settled
};

enum class LedgerStatus { ok, refused, unavailable };

struct ReserveOutcome {
  LedgerStatus status = LedgerStatus::ok;
  std::string counter;                      // the counter that refused (status == refused)
  std::int64_t remaining = 0;               // what that counter had left
  std::optional<std::chrono::seconds> retry_after;  // when its window frees up, if it is windowed
  std::string reason;                       // for logs and error bodies; never a secret
};

struct Balance {
  Counter counter;
  std::int64_t used = 0;      // settled so far in the current window
  std::int64_t reserved = 0;  // held by open reservations
};

class Ledger {
 public:
  using ReserveDone = std::function<void(ReserveOutcome)>;
  using SettleDone = std::function<void(LedgerStatus)>;
  using BalancesDone = std::function<void(LedgerStatus, std::vector<Balance>)>;

  virtual ~Ledger() = default;

  // Declares the counters this session uses (idempotent; a shared counter keeps its total).
  virtual void define(std::vector<Counter> counters) = 0;
  virtual void reserve(Reservation reservation, ReserveDone done) = 0;
  // `actual` names the counters of the reservation with what was really used; a counter of the
  // reservation left out is settled at zero (a concurrency slot, say). `done` may be empty
  // (fire and forget: a request's meter settles from its destructor, possibly while the
  // session's io_context is being destroyed — then nothing may be posted to it).
  virtual void settle(std::string id, std::vector<Draw> actual, SettleDone done) = 0;
  virtual void balances(BalancesDone done) = 0;
};

}  // namespace saferun::broker::policy
