#pragma once
// A plan_request() harness for the admission tests: a session scope and a route scope, with
// test prices for claude-sonnet-* (web search included: $10 per 1,000) and gpt-5*.

#include <string_view>
#include <vector>

#include "broker/policy/admission.h"

namespace saferun::test {

struct AdmissionSetup {
  broker::policy::PolicySettings settings;
  broker::policy::PolicyRules route;
  AdmissionSetup() {
    settings.prices.set("claude-sonnet-*", {3'000'000, 15'000'000, 3'750'000, 300'000, 10'000'000});
    settings.prices.set("gpt-5*", {1'250'000, 10'000'000, 0, 125'000, std::nullopt});
  }
  broker::policy::Plan plan(std::string_view path, std::string_view body, std::string_view method = "POST") {
    std::vector<broker::policy::Scope> scopes{{"session", "policy", "s", &settings.session},
                                              {"route r", "routes[r].policy", "r", &route}};
    return broker::policy::plan_request({method, path, body, scopes, &settings});
  }
};

}  // namespace saferun::test
