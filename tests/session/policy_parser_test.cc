#include "session/policy_parser.h"

#include <catch2/catch.hpp>

#include "session/config_parser.h"
#include "session/setup_error.h"

using namespace saferun::session;

namespace {

const char* kRoute = R"({"name":"a","upstream":"https://api.anthropic.com","credential":"x-api-key: {secret}",
                        "allow":["POST /v1/messages"])";

std::string config_with(const std::string& top_policy, const std::string& route_policy = "") {
  std::string route = std::string(kRoute) + (route_policy.empty() ? "" : ",\"policy\":" + route_policy) + "}";
  return "{\"routes\":[" + route + "]" + (top_policy.empty() ? "" : ",\"policy\":" + top_policy) + "}";
}

std::string error_of(const std::string& text) {
  try {
    parse_config_text(text, "c.json");
  } catch (const SetupError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a session and a route policy parse into rules, budgets in micro-USD", "[config][policy]") {
  auto config = parse_config_text(
      config_with(R"({"budget_usd":5.25,"max_output_tokens":8192,"requests_per_minute":30,"over_ceiling":"refuse",
                      "prices":{"claude-test":{"input":1,"output":2}}})",
                  R"({"models":["claude-sonnet-*"],"concurrent_requests":2,"tokens_per_minute":1000,
                      "input_tokens":10,"output_tokens":20,"budget_usd":0.000001})"),
      "c.json");
  const auto& session = config.policy.session;
  CHECK(session.budget_micro_usd == 5'250'000);
  CHECK(session.max_output_tokens == 8192);
  CHECK(session.requests_per_minute == 30);
  CHECK(session.over_ceiling == saferun::broker::policy::OverCeiling::refuse);
  const auto& route = config.routes[0].route.policy;
  CHECK(route.models == std::vector<std::string>{"claude-sonnet-*"});
  CHECK(route.concurrent_requests == 2);
  CHECK(route.budget_micro_usd == 1);
  REQUIRE(config.policy.prices.find("claude-test") != nullptr);
  CHECK(config.policy.prices.find("claude-test")->output == 2'000'000);
  CHECK(config.policy.prices.find("claude-test")->cache_read == 1'000'000);  // defaults to input
  CHECK(config.policy.prices.find("claude-sonnet-4-5-20250929") != nullptr);  // built-in kept
  CHECK_FALSE(config.policy.prices.find("claude-test")->web_search);  // unpriced unless stated
  CHECK(config.policy.prices.find("claude-sonnet-4-5-20250929")->web_search == 10'000'000);  // $10 per 1,000, built in
}

TEST_CASE("every bad policy value names its JSON path", "[config][policy]") {
  CHECK(error_of(config_with(R"({"budget_usd":-1})")) ==
        "c.json: policy.budget_usd: expected a positive number of US dollars");
  CHECK(error_of(config_with(R"({"budget_usd":"5"})")) == "c.json: policy.budget_usd: expected a number of US dollars");
  CHECK(error_of(config_with(R"({"budget_usd":0.0000001})")) ==
        "c.json: policy.budget_usd: expected a positive number of US dollars");
  CHECK(error_of(config_with(R"({"max_output_tokens":0})")) ==
        "c.json: policy.max_output_tokens: expected a positive integer");
  CHECK(error_of(config_with(R"({"over_ceiling":"clip"})")) ==
        "c.json: policy.over_ceiling: expected \"lower\" or \"refuse\"");
  CHECK(error_of(config_with(R"({"requests_per_mnute":5})")) == "c.json: policy.requests_per_mnute: unknown key");
  CHECK(error_of(config_with("", R"({"models":"gpt-5"})")) ==
        "c.json: routes[0].policy.models: expected an array of strings");
  CHECK(error_of(config_with("", R"({"models":[""]})")).starts_with("c.json: routes[0].policy.models[0]:"));
  CHECK(error_of(config_with("", R"({"concurrent_requests":1.5})")) ==
        "c.json: routes[0].policy.concurrent_requests: expected a positive integer");
  CHECK(error_of(config_with("", R"({"prices":{}})")) == "c.json: routes[0].policy.prices: unknown key");
  CHECK(error_of(config_with(R"({"prices":{"m":{"input":1}}})")) == "c.json: policy.prices.m.output: is required");
  CHECK(error_of(config_with(R"({"prices":{"m":{"input":1,"output":1.0000001}}})")) ==
        "c.json: policy.prices.m.output: at most six decimals (micro-USD)");
  CHECK(error_of(config_with(R"({"prices":[]})")) == "c.json: policy.prices: expected an object of model: prices");
  CHECK(error_of(config_with(R"({"prices":{"m":{"input":1,"output":1,"web_search_per_1000":-10}}})")) ==
        "c.json: policy.prices.m.web_search_per_1000: expected a number of US dollars, 0 or more");
  CHECK(error_of(config_with("[]")) == "c.json: policy: expected an object");
  CHECK(error_of(R"({"routes":[)" + std::string(kRoute) + R"(}],"audit_log":"rel.jsonl"})") ==
        "c.json: audit_log: expected an absolute path");
}

TEST_CASE("the built-in price table is dated, sourced and prices the common models", "[config][policy]") {
  auto table = builtin_price_table();
  CHECK_FALSE(table.as_of.empty());
  CHECK(table.source.find("anthropic") != std::string::npos);
  for (const char* model : {"claude-sonnet-4-5-20250929", "claude-opus-4-1", "claude-haiku-4-5", "gpt-5", "gpt-5-mini",
                            "gpt-4o-mini", "text-embedding-3-small", "gemini-2.5-pro"}) {
    INFO(model);
    CHECK(table.find(model) != nullptr);
  }
  CHECK(table.find("gpt-5-mini")->input == 250'000);  // the most specific pattern
}

TEST_CASE("USD amounts from the command line are exact decimals", "[config][policy]") {
  std::int64_t micro = 0;
  CHECK(parse_usd("5", micro));
  CHECK(micro == 5'000'000);
  CHECK(parse_usd("0.01", micro));
  CHECK(micro == 10'000);
  CHECK(parse_usd("1.234567", micro));
  CHECK(micro == 1'234'567);
  for (const char* bad : {"", "-1", "1.", ".5", "1.2345678", "1e3", "abc", "1,5"}) {
    INFO(bad);
    CHECK_FALSE(parse_usd(bad, micro));
  }
}
