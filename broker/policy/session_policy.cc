#include "broker/policy/session_policy.h"

#include <nlohmann/json.hpp>

#include "broker/policy/request_meter.h"

namespace saferun::broker::policy {
namespace {

// Shared scopes apply to every request of the session, whatever its route.
void add_shared_scopes(const std::vector<SharedRules>& shared, std::vector<Scope>& scopes) {
  for (const auto& s : shared)
    scopes.push_back({"shared " + s.name, "policy.shared[" + s.name + "]", "shared:" + s.name, &s.rules, s.window});
}

}  // namespace

SessionPolicy::SessionPolicy(PolicySettings settings, std::vector<RouteRules> routes, std::string session_id,
                             std::unique_ptr<Ledger> ledger)
    : settings_(std::move(settings)),
      routes_(std::move(routes)),
      session_id_(std::move(session_id)),
      ledger_(std::move(ledger)) {
  std::vector<Scope> all{{"session", "policy", "session:" + session_id_ + ":session", &settings_.session}};
  for (const auto& route : routes_)
    all.push_back({"route " + route.name, "routes[" + route.name + "].policy",
                   "session:" + session_id_ + ":route:" + route.name, &route.rules});
  add_shared_scopes(settings_.shared, all);
  for (const auto& route : routes_) scopes_by_route_.emplace(route.name, compute_scopes(route.name));
  scopes_off_route_ = compute_scopes("");
  auto counters = counters_for(all);
  tally_.define(counters);
  ledger_->define(std::move(counters));
}

// Every request asks which scopes apply to its route: computed once, here.
std::vector<Scope> SessionPolicy::compute_scopes(const std::string& route) const {
  std::vector<Scope> scopes;
  if (!settings_.session.empty())
    scopes.push_back({"session", "policy", "session:" + session_id_ + ":session", &settings_.session});
  for (const auto& r : routes_) {
    if (r.name == route && !r.rules.empty())
      scopes.push_back({"route " + r.name, "routes[" + r.name + "].policy",
                        "session:" + session_id_ + ":route:" + r.name, &r.rules});
  }
  add_shared_scopes(settings_.shared, scopes);
  return scopes;
}

const std::vector<Scope>& SessionPolicy::scopes_for(const std::string& route) const {
  auto found = scopes_by_route_.find(route);
  return found != scopes_by_route_.end() ? found->second : scopes_off_route_;
}

std::shared_ptr<RequestMeter> SessionPolicy::plan(const std::string& route, std::string_view method,
                                                  std::string_view path, std::string_view body,
                                                  const std::string& request_id, Refusal& refusal) {
  PlanInput input{method, path, body, scopes_for(route), &settings_};
  Plan plan = plan_request(input);
  if (plan.status != 0) {
    refusal = {plan.status, plan.decision, plan.reason, std::nullopt, plan.status >= 500};
    return nullptr;
  }
  return std::make_shared<RequestMeter>(shared_from_this(), route, session_id_ + ":" + request_id, std::move(plan));
}

Refusal SessionPolicy::refusal_from(const ReserveOutcome& outcome) {
  if (outcome.status == LedgerStatus::unavailable)
    return {503, "ledger_unavailable", "the budget store is unavailable: " + outcome.reason, 1, true};
  const std::string_view key = outcome.counter;
  if (key.ends_with(kRequestsPerMinute) || key.ends_with(kTokensPerMinute))
    return {429, "rate_limited", "rate limit reached: " + outcome.reason, outcome.retry_after.value_or(std::chrono::seconds(1)).count(), true};
  if (key.ends_with(kConcurrent))
    return {429, "rate_limited", "too many concurrent requests: " + outcome.reason, 1, true};
  tally_.refused_by_budget();
  return {429, "budget_exhausted", "budget exhausted: " + outcome.reason, std::nullopt, false};
}

bool SessionPolicy::draws_nothing(const RequestMeter& meter) { return meter.plan().draws.empty(); }

void SessionPolicy::reserve_in_ledger(const std::shared_ptr<RequestMeter>& meter,
                                      std::function<void(std::optional<Refusal>)> done) {
  const auto& plan = meter->plan();
  Reservation reservation{meter->id(), plan.draws, settings_.reservation_ttl};
  ledger_->reserve(std::move(reservation), [self = shared_from_this(), meter, done = std::move(done)](
                                                  ReserveOutcome outcome) {
    if (outcome.status != LedgerStatus::ok) return done(self->refusal_from(outcome));
    meter->reserved = true;
    self->tally_.reserved(meter->plan().draws, +1);
    done(std::nullopt);
  });
}

nlohmann::json SessionPolicy::report() const { return tally_.report(); }

void SessionPolicy::settle(const RequestMeter& meter, const Usage& usage, std::int64_t cost) {
  const auto& plan = meter.plan();
  if (plan.metered) tally_.add(meter.route(), plan.model, usage, cost, plan.price != nullptr);
  if (!meter.reserved) return;
  auto actual = settlement(plan, usage);
  tally_.reserved(plan.draws, -1);
  tally_.used(actual);
  ledger_->settle(meter.id(), std::move(actual), nullptr);  // fire and forget: nothing waits on it
}

}  // namespace saferun::broker::policy
