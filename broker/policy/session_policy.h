#pragma once
// The policy of one running session: plans each request (admission.h), reserves its worst
// case in the Ledger before it is forwarded, and hands back a RequestMeter that reads the
// usage from the answer and settles it. Lives on the session's event loop; the broker holds
// it in a shared_ptr, and so does every RequestMeter, so a meter outliving the broker still
// settles safely.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "broker/policy/admission.h"
#include "broker/policy/ledger.h"
#include "broker/policy/usage_tally.h"

namespace saferun::broker::policy {

class RequestMeter;

struct RouteRules {
  std::string name;
  PolicyRules rules;
};

// Why a request was not forwarded, as the broker answers it.
struct Refusal {
  int status = 0;
  std::string decision;  // denied_model | denied_ceiling | denied_price | denied_policy | rate_limited | budget_exhausted | ledger_unavailable
  std::string reason;
  std::optional<std::int64_t> retry_after_seconds;
  bool should_retry = true;  // false: x-should-retry: false (a spent budget does not come back)
};

class SessionPolicy : public std::enable_shared_from_this<SessionPolicy> {
 public:
  SessionPolicy(PolicySettings settings, std::vector<RouteRules> routes, std::string session_id,
                std::unique_ptr<Ledger> ledger);

  // Plans a request on `route`: a refusal now, or a meter to reserve().
  std::shared_ptr<RequestMeter> plan(const std::string& route, std::string_view method, std::string_view path,
                                     std::string_view body, const std::string& request_id, Refusal& refusal);
  // Reserves the meter's worst case; `done` runs on the loop with nullopt when it may go on —
  // at once when the plan draws on no counter. A template so that this common case makes no
  // std::function (a heap block) for a callback that is called before reserve() returns.
  template <class Done>
  void reserve(const std::shared_ptr<RequestMeter>& meter, Done&& done) {
    if (draws_nothing(*meter)) return done(std::nullopt);
    reserve_in_ledger(meter, std::forward<Done>(done));
  }

  // Whether any rule (session, the route's, shared) applies to requests on `route`.
  bool in_force(const std::string& route) const { return !scopes_for(route).empty(); }

  nlohmann::json report() const;
  std::string summary_line() const { return tally_.line(); }
  bool budget_exhausted() const { return tally_.budget_exhausted(); }

 private:
  friend class RequestMeter;
  static bool draws_nothing(const RequestMeter& meter);
  void reserve_in_ledger(const std::shared_ptr<RequestMeter>& meter, std::function<void(std::optional<Refusal>)> done);
  std::vector<Scope> compute_scopes(const std::string& route) const;
  const std::vector<Scope>& scopes_for(const std::string& route) const;
  Refusal refusal_from(const ReserveOutcome& outcome);
  void settle(const RequestMeter& meter, const Usage& usage, std::int64_t cost);

  PolicySettings settings_;
  std::vector<RouteRules> routes_;
  std::string session_id_;
  std::unique_ptr<Ledger> ledger_;
  UsageTally tally_;
  std::unordered_map<std::string, std::vector<Scope>> scopes_by_route_;  // per configured route
  std::vector<Scope> scopes_off_route_;                                   // any other route name
};

}  // namespace saferun::broker::policy
