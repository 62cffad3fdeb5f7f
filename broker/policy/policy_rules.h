#pragma once
// What a user can say about one scope — the whole session, or one route. Every limit is
// optional; a scope with none of them costs the request path nothing.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "broker/policy/ledger.h"
#include "broker/policy/prices.h"

namespace saferun::broker::policy {

// Above the output ceiling: lower the value in the forwarded body (the default: Claude Code
// asks for 64000 and must keep working), or refuse with 400.
enum class OverCeiling { lower, refuse };

struct PolicyRules {
  std::vector<std::string> models;  // allowlist of patterns; empty = any model
  std::optional<std::int64_t> max_output_tokens;
  OverCeiling over_ceiling = OverCeiling::lower;
  std::optional<std::int64_t> requests_per_minute;
  std::optional<std::int64_t> concurrent_requests;
  std::optional<std::int64_t> tokens_per_minute;
  std::optional<std::int64_t> input_tokens;   // budget over the session
  std::optional<std::int64_t> output_tokens;  // budget over the session
  std::optional<std::int64_t> budget_micro_usd;

  bool has_limits() const {
    return requests_per_minute || concurrent_requests || tokens_per_minute || input_tokens || output_tokens ||
           budget_micro_usd;
  }
  bool empty() const { return models.empty() && !max_output_tokens && !has_limits(); }
};

// Limits shared with every session that names the same `name` (config policy.shared[]):
// their counters live in the fleet's store ("shared:<name>:..."). Budgets (USD, input and
// output tokens) are kept over `window`; rates per minute, concurrency as it goes.
struct SharedRules {
  std::string name;
  Window window = Window::total;
  PolicyRules rules;
};

// The session-wide part of the policy.
struct PolicySettings {
  PolicyRules session;
  std::vector<SharedRules> shared;  // needs a store (config "store")
  PriceTable prices;
  // Input estimate for a reservation: one token per this many body bytes, rounded up. 1 makes
  // the reservation an upper bound for text; 4 (the default) is the providers' rule of thumb.
  std::int64_t bytes_per_input_token = 4;
  // Output reserved for a request that states no output limit when no ceiling is set.
  std::int64_t assumed_output_tokens = 4096;
  // A reservation never settled (the session was SIGKILLed) is given back after this.
  std::chrono::seconds reservation_ttl{3600};
};

}  // namespace saferun::broker::policy
