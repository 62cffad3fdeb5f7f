#pragma once
// The `policy` objects of a config — one at the top level for the whole session, one per
// route — and the price table (built in from configs/prices.json, extended or overridden by
// `policy.prices`). Every bad value is a SetupError naming its JSON path.

#include <string>

#include "broker/policy/policy_rules.h"
#include "session/json_fields.h"

namespace saferun::session {

// A route's `policy` (limits and rules only). Absent: no rules.
broker::policy::PolicyRules parse_route_policy(JsonFields& route_fields, const std::string& origin);

// The top-level `policy`, with the built-in prices under any `prices` it gives. Absent: no
// rules, the built-in prices.
broker::policy::PolicySettings parse_session_policy(JsonFields& top, const std::string& origin);

// The built-in table alone (configs/prices.json).
broker::policy::PriceTable builtin_price_table();

// "5", "0.25": a USD amount as integer micro-USD; false when not a non-negative number with
// at most six decimals.
bool parse_usd(const std::string& text, std::int64_t& micro_usd);

}  // namespace saferun::session
