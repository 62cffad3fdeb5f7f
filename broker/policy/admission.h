#pragma once
// Pure: what the policy decides for one request before it is forwarded — refuse it (model,
// ceiling, price, a body it cannot read under a policy), or forward it with a possibly edited
// body and the amounts to reserve in the ledger; and, once it is answered, the amounts to
// settle. No sockets, no clock, no ledger.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "broker/policy/ledger.h"
#include "broker/policy/policy_rules.h"
#include "broker/policy/request_body.h"
#include "broker/policy/usage.h"

namespace saferun::broker::policy {

// A scope whose rules apply to a request: the session's, then the route's.
struct Scope {
  std::string label;  // "session" | "route anthropic": in refusals and reports
  std::string where;  // the config path of its rules: "policy" | "routes[anthropic].policy"
  std::string key;    // counter key prefix: "session:<id>:session" | "session:<id>:route:<name>"
  const PolicyRules* rules = nullptr;
  Window budget_window = Window::total;  // a shared scope's budgets may restart (hour, day)
};

struct PlanInput {
  std::string_view method;
  std::string_view path;
  std::string_view body;
  const std::vector<Scope>& scopes;
  const PolicySettings* settings = nullptr;
};

struct Plan {
  int status = 0;        // 0: forward; otherwise refuse with this status
  std::string decision;  // for a refusal: denied_model | denied_ceiling | denied_price | denied_policy
  std::string reason;    // safe to show the client
  std::string model;
  ApiKind kind = ApiKind::other;
  bool metered = false;      // may spend tokens: usage is read from the answer
  bool body_edited = false;
  std::vector<BodySplice> body_splices;  // the edits, when body_edited: spliced, never copied
  bool strip_usage_chunk = false;
  std::int64_t input_estimate = 0;
  std::int64_t output_reserved = 0;
  std::int64_t web_searches_reserved = 0;  // hosted web searches the request may run (their max_uses)
  std::string unmetered_tool;  // under a USD budget: a tool billed per call the meter cannot count ("" = none)
  const Price* price = nullptr;
  std::vector<Draw> draws;
};

Plan plan_request(const PlanInput& input);

// The counters a set of scopes uses (defined once, at start).
std::vector<Counter> counters_for(const std::vector<Scope>& scopes);

// What to settle for a request planned as `plan` that used `usage`.
std::vector<Draw> settlement(const Plan& plan, const Usage& usage);

// The cost of `usage` at the plan's price (0 when unpriced).
std::int64_t cost_of(const Plan& plan, const Usage& usage);

// Counter key suffixes, so a refusal can be told apart: budget vs rate.
inline constexpr std::string_view kUsd = ":usd";
inline constexpr std::string_view kInputTokens = ":input_tokens";
inline constexpr std::string_view kOutputTokens = ":output_tokens";
inline constexpr std::string_view kRequestsPerMinute = ":rpm";
inline constexpr std::string_view kTokensPerMinute = ":tpm";
inline constexpr std::string_view kConcurrent = ":concurrent";

}  // namespace saferun::broker::policy
