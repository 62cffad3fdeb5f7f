#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "broker/policy/admission.h"
#include "tests/broker/policy/admission_setup.h"

using namespace saferun::broker::policy;
using nlohmann::json;
using Setup = saferun::test::AdmissionSetup;

TEST_CASE("a model outside the allowlist is refused naming the model and the rule", "[policy][admission]") {
  Setup s;
  s.route.models = {"claude-haiku-*"};
  auto plan = s.plan("/anthropic/v1/messages", R"({"model":"claude-opus-4","max_tokens":10})");
  CHECK(plan.status == 403);
  CHECK(plan.decision == "denied_model");
  CHECK(plan.reason.find("claude-opus-4") != std::string::npos);
  CHECK(plan.reason.find("routes[r].policy.models") != std::string::npos);
  CHECK(s.plan("/anthropic/v1/messages", R"({"model":"claude-haiku-4-5","max_tokens":10})").status == 0);
  CHECK(s.plan("/anthropic/v1/messages", R"({"max_tokens":10})").status == 403);
  CHECK(s.plan("/anthropic/v1/models", "", "GET").status == 0);  // listing models names none
  CHECK(s.plan("/anthropic/v1/messages", R"({"model":"claude-haiku-4","model":"claude-opus-4"})").status == 400);
}

TEST_CASE("a ceiling lowers max_tokens by default and refuses in refuse mode", "[policy][admission]") {
  Setup s;
  s.settings.session.max_output_tokens = 8192;
  std::string_view body = R"({"model":"claude-sonnet-4","max_tokens":64000})";
  auto plan = s.plan("/anthropic/v1/messages", body);
  REQUIRE(plan.status == 0);
  REQUIRE(plan.body_edited);
  CHECK(json::parse(apply_splices(body, plan.body_splices))["max_tokens"] == 8192);
  // Only the value's bytes are replaced: the rest of the body is forwarded as received, uncopied.
  REQUIRE(plan.body_splices.size() == 1);
  CHECK(plan.body_splices[0].length == std::string_view("64000").size());
  CHECK(plan.output_reserved == 8192);
  CHECK_FALSE(s.plan("/anthropic/v1/messages", R"({"model":"claude-sonnet-4","max_tokens":100})").body_edited);
  s.settings.session.over_ceiling = OverCeiling::refuse;
  auto refused = s.plan("/anthropic/v1/messages", R"({"model":"claude-sonnet-4","max_tokens":64000})");
  CHECK(refused.status == 400);
  CHECK(refused.reason.find("policy.max_output_tokens (8192)") != std::string::npos);
}

TEST_CASE("a request without an output limit gets the ceiling inserted in its API's field", "[policy][admission]") {
  Setup s;
  s.route.max_output_tokens = 500;
  std::string_view request = R"({"model":"gpt-5"})";
  auto chat = s.plan("/openai/v1/chat/completions", request);
  CHECK(json::parse(apply_splices(request, chat.body_splices))["max_completion_tokens"] == 500);
  std::string_view input = R"({"model":"gpt-5","input":"x"})";
  auto responses = s.plan("/openai/v1/responses", input);
  CHECK(json::parse(apply_splices(input, responses.body_splices))["max_output_tokens"] == 500);
}

TEST_CASE("a streaming chat without include_usage is asked for it and told to strip it", "[policy][admission]") {
  Setup s;
  std::string_view body = R"({"model":"gpt-5","stream":true})";
  auto plan = s.plan("/openai/v1/chat/completions", body);
  CHECK(plan.strip_usage_chunk);
  CHECK(json::parse(apply_splices(body, plan.body_splices))["stream_options"]["include_usage"] == true);
  auto asked = s.plan("/openai/v1/chat/completions",
                      R"({"model":"gpt-5","stream":true,"stream_options":{"include_usage":true}})");
  CHECK_FALSE(asked.strip_usage_chunk);
  CHECK_FALSE(asked.body_edited);
}

TEST_CASE("a USD budget refuses a model the price table does not list", "[policy][admission]") {
  Setup s;
  s.settings.session.budget_micro_usd = 5'000'000;
  auto plan = s.plan("/anthropic/v1/messages", R"({"model":"claude-mystery","max_tokens":10})");
  CHECK(plan.status == 403);
  CHECK(plan.decision == "denied_price");
  CHECK(s.plan("/anthropic/v1/models", "", "GET").status == 0);  // listing models spends nothing
}

TEST_CASE("the reservation is the input estimate plus the output limit at the worst price", "[policy][admission]") {
  Setup s;
  s.settings.session.budget_micro_usd = 5'000'000;
  s.settings.session.requests_per_minute = 10;
  s.route.concurrent_requests = 2;
  s.route.tokens_per_minute = 100000;
  std::string body = R"({"model":"claude-sonnet-4","max_tokens":100,"messages":[]})";  // 58 bytes
  auto plan = s.plan("/anthropic/v1/messages", body);
  REQUIRE(plan.status == 0);
  CHECK(plan.input_estimate == (static_cast<std::int64_t>(body.size()) + 3) / 4);
  CHECK(plan.output_reserved == 100);
  auto amount = [&](std::string key) {
    for (auto& d : plan.draws)
      if (d.counter == key) return d.amount;
    return std::int64_t{-1};
  };
  CHECK(amount("s:usd") == worst_case_micro_usd(plan.input_estimate, 100, {3'000'000, 15'000'000, 3'750'000, 0, {}}));
  CHECK(amount("s:rpm") == 1);
  CHECK(amount("r:concurrent") == 1);
  CHECK(amount("r:tpm") == plan.input_estimate + 100);
  Usage used;
  used.input = 10;
  used.output = 5;
  auto actual = settlement(plan, used);
  CHECK(actual.size() == 3);  // usd, rpm, tpm: the concurrency slot is given back whole
  for (auto& d : actual) {
    if (d.counter == "s:usd") CHECK(d.amount == 30 + 75);
    if (d.counter == "r:tpm") CHECK(d.amount == 15);
  }
}

// The attack: a ceiling that wraps (2^64 - 1 read as -1) or is negative would reserve negative
// tokens and dollars, giving every other request in flight more room than the budget has.
TEST_CASE("a negative or wrapping max_tokens never makes a negative reservation", "[policy][admission]") {
  Setup s;
  s.settings.session.budget_micro_usd = 5'000'000;
  s.route.tokens_per_minute = 100000;
  auto draw_of = [](const Plan& plan, const std::string& counter) {
    for (auto& d : plan.draws)
      if (d.counter == counter) return d.amount;
    return std::int64_t{-1};
  };
  // Control: an honest ceiling is reserved as sent.
  auto honest = s.plan("/anthropic/v1/messages", R"({"model":"claude-sonnet-4","max_tokens":100})");
  REQUIRE(honest.status == 0);
  CHECK(honest.output_reserved == 100);
  Setup open;  // no rule reads the body: forwarded, the upstream judges the value
  open.route.requests_per_minute = 100;
  for (std::string value : {"18446744073709551615", "9223372036854775808", "-1", "-9223372036854775809", "1e30"}) {
    INFO("max_tokens: " << value);
    auto body = R"({"model":"claude-sonnet-4","max_tokens":)" + value + "}";
    auto plan = s.plan("/anthropic/v1/messages", body);
    CHECK(plan.status == 400);  // a budget reads the body: a limit it cannot count is refused
    CHECK(plan.reason.find("max_tokens must be a whole number of tokens") != std::string::npos);
    auto forwarded = open.plan("/anthropic/v1/messages", body);
    REQUIRE(forwarded.status == 0);
    CHECK(forwarded.output_reserved == open.settings.assumed_output_tokens);
    CHECK(draw_of(forwarded, "r:rpm") == 1);
  }
  // The largest valid ceiling: input + output saturates instead of wrapping to a negative
  // draw, so it needs more than any minute allows, and any budget refuses it.
  const std::string largest_body = R"({"model":"claude-sonnet-4","max_tokens":9223372036854775807})";
  auto largest = s.plan("/anthropic/v1/messages", largest_body);
  CHECK(largest.status == 400);
  CHECK(largest.reason.find("needs 9223372036854775807 tokens") != std::string::npos);
  s.route.tokens_per_minute.reset();
  largest = s.plan("/anthropic/v1/messages", largest_body);
  REQUIRE(largest.status == 0);
  CHECK(largest.output_reserved == INT64_MAX);
  CHECK(draw_of(largest, "s:usd") > 5'000'000);
  s.settings.session.max_output_tokens = 8192;  // under a ceiling rule such a value is refused
  auto refused = s.plan("/anthropic/v1/messages", R"({"model":"claude-sonnet-4","max_tokens":-1})");
  CHECK(refused.status == 400);
  CHECK(refused.decision == "denied_ceiling");
}

TEST_CASE("an output field the API does not honour neither sizes the reservation nor stands in for the ceiling",
          "[policy][admission]") {
  Setup s;
  auto messages = s.plan("/anthropic/v1/messages", R"({"model":"claude-sonnet-4","max_output_tokens":1})");
  REQUIRE(messages.status == 0);
  CHECK(messages.output_reserved == s.settings.assumed_output_tokens);
  auto gemini = s.plan("/gemini/v1beta/models/gemini-2.5-pro:generateContent", R"({"max_tokens":1,"contents":[]})");
  REQUIRE(gemini.status == 0);
  CHECK(gemini.output_reserved == s.settings.assumed_output_tokens);
  s.settings.session.max_output_tokens = 50;
  std::string_view chat_body = R"({"model":"gpt-5","max_output_tokens":10,"messages":[]})";
  auto chat = s.plan("/openai/v1/chat/completions", chat_body);
  REQUIRE(chat.status == 0);
  REQUIRE(chat.body_edited);
  auto forwarded = json::parse(apply_splices(chat_body, chat.body_splices));
  CHECK(forwarded["max_completion_tokens"] == 50);
  CHECK(forwarded["max_output_tokens"] == 10);
  CHECK(chat.output_reserved == 50);
  // The chat's older max_tokens is honoured: lowered in place.
  std::string_view legacy_body = R"({"model":"gpt-5","max_tokens":100,"messages":[]})";
  auto legacy = s.plan("/openai/v1/chat/completions", legacy_body);
  REQUIRE(legacy.status == 0);
  CHECK(json::parse(apply_splices(legacy_body, legacy.body_splices))["max_tokens"] == 50);
  CHECK(legacy.output_reserved == 50);
}

TEST_CASE("an unmeterable POST is refused while a budget is in force, and counted tokens are free",
          "[policy][admission]") {
  Setup s;
  s.settings.session.budget_micro_usd = 1'000'000;
  CHECK(s.plan("/anthropic/v1/messages/batches", R"({"requests":[]})").status == 403);
  auto counting = s.plan("/anthropic/v1/messages/count_tokens", R"({"model":"claude-sonnet-4"})");
  CHECK(counting.status == 0);
  CHECK(counting.draws.empty());
}

TEST_CASE("counters are defined for each limit of each scope", "[policy][admission]") {
  PolicyRules session;
  session.budget_micro_usd = 1;
  session.requests_per_minute = 2;
  auto counters = counters_for({{"session", "policy", "k", &session}});
  REQUIRE(counters.size() == 2);
  CHECK(counters[0].key == "k:rpm");
  CHECK(counters[0].window == Window::per_minute);
  CHECK(counters[1].key == "k:usd");
  CHECK(counters[1].max == 1);
}

// nlohmann refuses a lone surrogate in a key; Python's, Node's and Go's JSON decoders accept
// it. Unread, the body kept its own max_tokens behind the inserted ceiling, and its model went
// unchecked — with no limit on the body, it is forwarded as before.
// Before, a Gemini request's limit (nested in generationConfig) was not read: under a ceiling it
// reserved assumed_output_tokens and ran to the model's maximum.
// Go's encoding/json matches keys ignoring case (and reads U+017F as s, U+212A as k): behind a
// Go gateway "N", "MODEL" or "max_tokenſ" set the fields the policy checks under their own names.
// OpenRouter's default route allows the legacy /completions: before, it was an unknown API,
// reserved at assumed_output_tokens whatever its max_tokens, n or best_of, and never capped.
TEST_CASE("a request that needs more tokens than a minute allows is refused for good, not rate limited",
          "[policy][admission]") {
  Setup s;
  s.settings.bytes_per_input_token = 1;
  s.route.tokens_per_minute = 1000;
  auto fits = s.plan("/anthropic/v1/messages", R"({"model":"claude-sonnet-4","max_tokens":900})");
  CHECK(fits.status == 0);
  auto never = s.plan("/anthropic/v1/messages", R"({"model":"claude-sonnet-4","max_tokens":1000})");
  CHECK(never.status == 400);
  CHECK(never.reason.find("routes[r].policy.tokens_per_minute (1000)") != std::string::npos);
  auto answers = s.plan("/openai/v1/chat/completions", R"({"model":"gpt-5","max_completion_tokens":300,"n":4})");
  CHECK(answers.status == 400);
}

// A second reviewer's attacks on the Gemini reading, each admitted before its fix.
// A third reviewer's attacks. The first two ended the session: nlohmann's dump() recursed once
// per level of a client's stream_options (SIGSEGV at 100,000 levels), and value("include_usage")
// threw on a non-boolean — uncaught on the WebSocket path.
// Claude Code sends thinking.budget_tokens 31999 with max_tokens 32000; Anthropic refuses a budget
// that is not below max_tokens, so lowering max_tokens alone broke every such turn.
