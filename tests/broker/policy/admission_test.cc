#include "broker/policy/admission.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace saferun::broker::policy;
using nlohmann::json;

namespace {

struct Setup {
  PolicySettings settings;
  PolicyRules route;
  Setup() {
    settings.prices.set("claude-sonnet-*", {3'000'000, 15'000'000, 3'750'000, 300'000});
    settings.prices.set("gpt-5*", {1'250'000, 10'000'000, 0, 125'000});
  }
  Plan plan(std::string_view path, std::string_view body, std::string_view method = "POST") {
    std::vector<Scope> scopes{{"session", "policy", "s", &settings.session}, {"route r", "routes[r].policy", "r", &route}};
    return plan_request({method, path, body, scopes, &settings});
  }
};

}  // namespace

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
  CHECK(amount("s:usd") == worst_case_micro_usd(plan.input_estimate, 100, {3'000'000, 15'000'000, 3'750'000, 0}));
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
TEST_CASE("a metered body the policy cannot read is refused while a rule reads the body", "[policy][admission]") {
  const std::string_view unreadable = R"({"\ud800":1,"model":"claude-opus-4","max_tokens":64000,"messages":[]})";
  const std::string_view not_json = "max_tokens=64000";
  Setup s;
  CHECK(s.plan("/anthropic/v1/messages", unreadable).status == 0);  // no rule reads it
  CHECK(s.plan("/anthropic/v1/messages", not_json).status == 0);
  s.route.requests_per_minute = 10;  // nor does a request rate
  CHECK(s.plan("/anthropic/v1/messages", unreadable).status == 0);
  auto with = [&](auto rule) {
    Setup limited;
    rule(limited.route);
    return std::pair{limited.plan("/anthropic/v1/messages", unreadable), limited.plan("/anthropic/v1/messages", not_json)};
  };
  for (auto [unread, text] : {with([](PolicyRules& r) { r.max_output_tokens = 100; }),
                              with([](PolicyRules& r) { r.models = {"claude-haiku-*"}; }),
                              with([](PolicyRules& r) { r.output_tokens = 1000; }),
                              with([](PolicyRules& r) { r.tokens_per_minute = 1000; }),
                              with([](PolicyRules& r) { r.budget_micro_usd = 1000; })}) {
    CHECK(unread.status == 400);
    CHECK(unread.decision == "denied_policy");
    CHECK(unread.reason.find("not one JSON object") != std::string::npos);
    CHECK(text.status == 400);
  }
  Setup ceiling;
  ceiling.route.max_output_tokens = 100;
  auto readable = ceiling.plan("/anthropic/v1/messages", R"({"\u00e9":1,"model":"claude-opus-4","max_tokens":64000})");
  CHECK(readable.status == 0);  // control: an escape the decoder reads is lowered as usual
  CHECK(readable.output_reserved == 100);
  CHECK(ceiling.plan("/anthropic/v1/models", "", "GET").status == 0);  // reading spends nothing
}

TEST_CASE("a chat's n answers multiply its output reservation; a bad n is refused while a rule reads the body",
          "[policy][admission]") {
  Setup s;
  s.route.output_tokens = 1'000'000;
  auto chat = [&](std::string_view body) { return s.plan("/openai/v1/chat/completions", body); };
  CHECK(chat(R"({"model":"gpt-5","max_completion_tokens":100,"n":8})").output_reserved == 800);
  CHECK(chat(R"({"model":"gpt-5","max_completion_tokens":100,"n":null})").output_reserved == 100);
  CHECK(chat(R"({"model":"gpt-5","max_completion_tokens":100,"n":1.0})").output_reserved == 100);
  CHECK(chat(R"({"model":"gpt-5","max_completion_tokens":100,"n":4611686018427387904})").output_reserved == INT64_MAX);
  CHECK(chat(R"({"model":"gpt-5","n":2})").output_reserved == 2 * s.settings.assumed_output_tokens);
  // Another API has no n: its output is one answer's.
  CHECK(s.plan("/anthropic/v1/messages", R"({"model":"claude-sonnet-4","max_tokens":100,"n":8})").output_reserved == 100);
  for (std::string_view bad : {"0", "-1", "1.5", "\"8\"", "true", "[8]"}) {
    INFO("n: " << bad);
    auto plan = chat(R"({"model":"gpt-5","max_completion_tokens":100,"n":)" + std::string(bad) + "}");
    CHECK(plan.status == 400);
    CHECK(plan.reason.find("n must be a whole number") != std::string::npos);
  }
  Setup open;  // no rule reads the body: the upstream judges n
  CHECK(open.plan("/openai/v1/chat/completions", R"({"model":"gpt-5","n":0})").status == 0);
  Setup ceiling;
  ceiling.route.max_output_tokens = 100;
  auto capped = ceiling.plan("/openai/v1/chat/completions", R"({"model":"gpt-5","n":4})");
  CHECK(capped.output_reserved == 400);  // the ceiling is per answer
  CHECK(ceiling.plan("/openai/v1/chat/completions", R"({"model":"gpt-5","n":1,"n":9})").status == 400);
}

namespace {

const char* kGemini = "/gemini/v1beta/models/gemini-2.5-pro:streamGenerateContent";

// The forwarded body's generationConfig after the plan's edits.
json forwarded_config(std::string_view body, const Plan& plan) {
  return json::parse(apply_splices(body, plan.body_splices))["generationConfig"];
}

}  // namespace

// Before, a Gemini request's limit (nested in generationConfig) was not read: under a ceiling it
// reserved assumed_output_tokens and ran to the model's maximum.
TEST_CASE("a Gemini request's maxOutputTokens is read, lowered or inserted under a ceiling", "[policy][admission]") {
  Setup s;
  s.route.max_output_tokens = 100;
  s.route.output_tokens = 1'000'000;
  for (std::string_view body : {R"({"contents":[]})", R"({"contents":[],"generationConfig":{}})",
                                R"({"generationConfig":{ },"contents":[]})", R"({"generationConfig":null})",
                                R"({"generationConfig":{"temperature":0.5}})",
                                R"({"generationConfig":{"temperature":0.5,"maxOutputTokens":65536}})"}) {
    INFO(body);
    auto plan = s.plan(kGemini, body);
    REQUIRE(plan.status == 0);
    CHECK(plan.output_reserved == 100);
    auto config = forwarded_config(body, plan);
    CHECK(config["maxOutputTokens"] == 100);
    CHECK(config.size() == (std::string_view(body).find("temperature") != std::string_view::npos ? 2u : 1u));
  }
  auto snake = s.plan(kGemini, R"({"generation_config":{"max_output_tokens":65536}})");
  CHECK(json::parse(apply_splices(R"({"generation_config":{"max_output_tokens":65536}})", snake.body_splices))
            ["generation_config"]["max_output_tokens"] == 100);
  auto within = s.plan(kGemini, R"({"generationConfig":{"maxOutputTokens":50,"candidateCount":3}})");
  CHECK_FALSE(within.body_edited);
  CHECK(within.output_reserved == 150);  // three candidates of up to 50
  for (std::string_view twice : {R"({"generationConfig":{"maxOutputTokens":5,"max_output_tokens":65536}})",
                                 R"({"generationConfig":{"maxOutputTokens":5},"generation_config":{}})",
                                 R"({"generationConfig":{"candidateCount":1,"candidate_count":8}})"}) {
    INFO(twice);
    CHECK(s.plan(kGemini, twice).status == 400);
  }
  CHECK(s.plan(kGemini, R"({"generationConfig":"x"})").status == 400);  // unreadable
  CHECK(s.plan(kGemini, R"({"generationConfig":{"maxOutputTokens":-1}})").status == 400);
  CHECK(s.plan(kGemini, R"({"generationConfig":{"candidateCount":0}})").status == 400);
}

TEST_CASE("a Gemini request is judged by the model its path names, and counting tokens is free", "[policy][admission]") {
  Setup s;
  s.route.models = {"gemini-2.5-flash*"};
  CHECK(s.plan(kGemini, R"({"model":"gemini-2.5-flash","contents":[]})").status == 403);
  CHECK(s.plan("/gemini/v1beta/models/gemini-2.5-flash:generateContent", R"({"contents":[]})").status == 0);
  auto counting = s.plan("/gemini/v1beta/models/gemini-2.5-flash:countTokens", R"({"contents":[]})");
  CHECK(counting.status == 0);
  CHECK_FALSE(counting.metered);
  CHECK_FALSE(counting.body_edited);
}

TEST_CASE("the API is read from the path as the allowlist reads it: a trailing slash changes nothing",
          "[policy][admission]") {
  CHECK(api_kind_of("/openai/v1/chat/completions/") == ApiKind::chat);
  CHECK(api_kind_of("/anthropic/v1/messages/") == ApiKind::messages);
  CHECK(model_from_path("/gemini/v1beta/models/gemini-2.5-pro:generateContent/") == "gemini-2.5-pro");
  Setup s;
  s.route.max_output_tokens = 100;
  auto plan = s.plan("/openai/v1/chat/completions/", R"({"model":"gpt-5","max_completion_tokens":64000})");
  CHECK(plan.body_edited);
  CHECK(plan.output_reserved == 100);
}

// Go's encoding/json matches keys ignoring case (and reads U+017F as s, U+212A as k): behind a
// Go gateway "N", "MODEL" or "max_tokenſ" set the fields the policy checks under their own names.
TEST_CASE("a key some decoders read as a checked field is refused while a rule reads the body", "[policy][admission]") {
  Setup s;
  s.route.output_tokens = 1'000'000;
  for (std::string_view body : {R"({"model":"gpt-5","max_completion_tokens":100,"N":8})",
                                R"({"model":"gpt-5","MODEL":"o3"})",
                                R"({"model":"gpt-5","max_completion_tokens":100,"Max_Completion_Tokens":64000})",
                                "{\"model\":\"gpt-5\",\"max_completion_token\xC5\xBF\":64000}",
                                "{\"model\":\"gpt-5\",\"max_to\xE2\x84\xAA""ens\":64000}"}) {
    INFO(body);
    auto plan = s.plan("/openai/v1/chat/completions", body);
    CHECK(plan.status == 400);
    CHECK(plan.reason.find("some JSON decoders read") != std::string::npos);
  }
  CHECK(s.plan("/openai/v1/chat/completions", R"({"model":"gpt-5","Name":"x","user":"N"})").status == 0);
  Setup open;  // no rule reads the body
  CHECK(open.plan("/openai/v1/chat/completions", R"({"model":"gpt-5","N":8})").status == 0);
}

// OpenRouter's default route allows the legacy /completions: before, it was an unknown API,
// reserved at assumed_output_tokens whatever its max_tokens, n or best_of, and never capped.
TEST_CASE("a legacy completion reserves best_of or n answers of its max_tokens, capped by the ceiling",
          "[policy][admission]") {
  Setup s;
  s.route.max_output_tokens = 100;
  const std::string_view body = R"({"model":"gpt-5","prompt":"x","max_tokens":64000,"n":2,"best_of":5})";
  auto plan = s.plan("/openrouter/api/v1/completions", body);
  REQUIRE(plan.status == 0);
  CHECK(plan.kind == ApiKind::completions);
  CHECK(json::parse(apply_splices(body, plan.body_splices))["max_tokens"] == 100);
  CHECK(plan.output_reserved == 500);  // best_of answers are generated (and billed), n returned
  CHECK(s.plan("/openrouter/api/v1/completions", R"({"model":"gpt-5","prompt":"x","n":3})").output_reserved == 300);
  auto streamed = s.plan("/openrouter/api/v1/completions", R"({"model":"gpt-5","prompt":"x","max_tokens":5,"stream":true})");
  CHECK(streamed.strip_usage_chunk);  // asked for its usage, like a streamed chat
  auto bad = s.plan("/openrouter/api/v1/completions", R"({"model":"gpt-5","prompt":"x","best_of":0})");
  CHECK(bad.status == 400);
  CHECK(bad.reason.find("best_of must be a whole number") != std::string::npos);
}

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
TEST_CASE("a Gemini method path that names no models/<id> names no model, whatever the body says",
          "[policy][admission]") {
  Setup s;
  s.route.models = {"gemini-2.5-flash*"};
  const std::string_view body = R"({"model":"gemini-2.5-flash","contents":[]})";
  for (std::string_view path : {"/gemini/v1beta/tunedModels/x:generateContent", "/gemini/v1beta/models/a/b:generateContent"}) {
    INFO(path);
    auto plan = s.plan(path, body);
    CHECK(plan.status == 403);
    CHECK(plan.decision == "denied_model");
  }
}

TEST_CASE("a Gemini method the policy does not know is refused while a rule reads the body", "[policy][admission]") {
  const auto path = "/gemini/v1beta/models/gemini-2.5-flash:batchGenerateContent";
  Setup open;
  CHECK(open.plan(path, R"({"requests":[]})").status == 0);  // no rule: the allowlist alone decides
  Setup budget;
  budget.route.output_tokens = 1'000'000;
  auto plan = budget.plan(path, R"({"requests":[]})");
  CHECK(plan.status == 403);
  CHECK(plan.reason.find("batchGenerateContent") != std::string::npos);
}

TEST_CASE("a Gemini maxOutputTokens of 0 (unset to proto3) is no limit: the ceiling replaces it", "[policy][admission]") {
  Setup s;
  s.route.output_tokens = 1'000'000;
  const std::string_view body = R"({"generationConfig":{"maxOutputTokens":0}})";
  CHECK(s.plan(kGemini, body).output_reserved == s.settings.assumed_output_tokens);
  s.route.max_output_tokens = 100;
  auto capped = s.plan(kGemini, body);
  CHECK(capped.output_reserved == 100);
  CHECK(forwarded_config(body, capped)["maxOutputTokens"] == 100);
}

TEST_CASE("a generationConfig key a Go relay reads as a limit is refused while a rule reads the body",
          "[policy][admission]") {
  Setup s;
  s.route.output_tokens = 1'000'000;
  for (std::string_view body : {R"({"generationConfig":{"maxOutputTokens":50,"MaxOutputTokens":65536}})",
                                R"({"generationConfig":{"CandidateCount":8}})"}) {
    INFO(body);
    CHECK(s.plan(kGemini, body).status == 400);
  }
  CHECK(s.plan(kGemini, R"({"generationConfig":{"maxOutputTokens":50,"temperature":1}})").status == 0);
}

TEST_CASE("a legacy completion with several prompts reserves answers for each", "[policy][admission]") {
  Setup s;
  s.route.output_tokens = 1'000'000;
  auto reserved = [&](std::string_view prompt) {
    return s.plan("/openai/v1/completions", R"({"model":"gpt-5","max_tokens":100,"n":2,"prompt":)" + std::string(prompt) + "}")
        .output_reserved;
  };
  CHECK(reserved(R"("one")") == 200);
  CHECK(reserved(R"([1,2,3])") == 200);  // one prompt as tokens
  CHECK(reserved(R"(["a","b","c","d"])") == 800);
  CHECK(reserved(R"([[1,2],[3]])") == 400);
}

// A third reviewer's attacks. The first two ended the session: nlohmann's dump() recursed once
// per level of a client's stream_options (SIGSEGV at 100,000 levels), and value("include_usage")
// threw on a non-boolean — uncaught on the WebSocket path.
TEST_CASE("stream_options is read and edited without a tree: deep nesting and odd values are harmless",
          "[policy][admission]") {
  Setup s;
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  const std::string body = R"({"model":"gpt-5","stream":true,"stream_options":{"x":)" + deep + "}}";
  auto plan = s.plan("/openai/v1/chat/completions", body);
  REQUIRE(plan.status == 0);
  auto edited = apply_splices(body, plan.body_splices);
  CHECK(edited.find(R"("stream_options":{"include_usage":true,"x":[[[)") != std::string::npos);
  for (std::string_view options : {R"({"include_usage":"yes"})", R"({"include_usage":1})", R"({"include_usage":null})",
                                   R"({"include_usage":false})", "null", R"("x")", "{}"}) {
    INFO(options);
    const std::string text = R"({"model":"gpt-5","stream":true,"stream_options":)" + std::string(options) + "}";
    auto asked = s.plan("/openai/v1/chat/completions", text);
    REQUIRE(asked.status == 0);
    CHECK(asked.strip_usage_chunk);
    CHECK(json::parse(apply_splices(text, asked.body_splices))["stream_options"]["include_usage"] == true);
  }
  CHECK(s.plan("/openai/v1/chat/completions",
               R"({"model":"gpt-5","stream":true,"stream_options":{"include_usage":true,"include_usage":false}})")
            .status == 400);
}

TEST_CASE("a count that is a deeply nested array is refused or ignored without building its tree", "[policy][admission]") {
  Setup s;
  s.route.output_tokens = 1'000'000;
  const std::string deep = std::string(200000, '[') + std::string(200000, ']');
  CHECK(s.plan("/anthropic/v1/messages", R"({"model":"claude-sonnet-4","max_tokens":)" + deep + "}").status == 400);
  CHECK(s.plan("/openai/v1/chat/completions", R"({"model":"gpt-5","n":)" + deep + "}").status == 400);
  auto prompt = s.plan("/openai/v1/completions", R"({"model":"gpt-5","max_tokens":10,"prompt":)" + deep + "}");
  CHECK(prompt.status == 0);
  CHECK(prompt.output_reserved == 10);  // one prompt (an array of token lists would be more)
}

TEST_CASE("fallback models and background responses, which spend unseen, are refused while a budget is in force",
          "[policy][admission]") {
  Setup open;
  CHECK(open.plan("/openrouter/api/v1/chat/completions", R"({"model":"a/b","models":["c/opus"]})").status == 0);
  Setup s;
  s.route.models = {"a/*"};
  auto fallback = s.plan("/openrouter/api/v1/chat/completions", R"({"model":"a/b","models":["c/opus"]})");
  CHECK(fallback.status == 403);
  CHECK(fallback.reason.find("fallback models") != std::string::npos);
  CHECK(s.plan("/openrouter/api/v1/messages", R"({"model":"a/b","max_tokens":5,"fallbacks":[{"model":"c/opus"}]})").status == 403);
  CHECK(s.plan("/openrouter/api/v1/chat/completions", R"({"model":"a/b","models":null})").status == 0);
  Setup budget;
  budget.route.output_tokens = 1'000'000;
  CHECK(budget.plan("/openai/v1/responses", R"({"model":"gpt-5","background":true})").status == 400);
  CHECK(budget.plan("/openai/v1/responses", R"({"model":"gpt-5","background":false})").status == 0);
  CHECK(open.plan("/openai/v1/responses", R"({"model":"gpt-5","background":true})").status == 0);
}

TEST_CASE("an output limit that is not a whole number is refused under a budget, not only under a ceiling",
          "[policy][admission]") {
  const auto gemini = "/gemini/v1beta/models/gemini-2.5-flash:generateContent";
  Setup budget;
  budget.route.output_tokens = 1'000'000;
  auto plan = budget.plan(gemini, R"({"generationConfig":{"maxOutputTokens":"65536"}})");
  CHECK(plan.status == 400);
  CHECK(plan.reason.find("generationConfig.maxOutputTokens must be a whole number") != std::string::npos);
  Setup open;
  CHECK(open.plan(gemini, R"({"generationConfig":{"maxOutputTokens":"65536"}})").status == 0);
}

// Claude Code sends thinking.budget_tokens 31999 with max_tokens 32000; Anthropic refuses a budget
// that is not below max_tokens, so lowering max_tokens alone broke every such turn.
TEST_CASE("a ceiling that lowers max_tokens lowers thinking.budget_tokens below it", "[policy][admission]") {
  Setup s;
  s.route.max_output_tokens = 8192;
  const std::string_view body =
      R"({"model":"claude-sonnet-4","max_tokens":32000,"thinking":{"type":"enabled","budget_tokens":31999}})";
  auto plan = s.plan("/anthropic/v1/messages", body);
  REQUIRE(plan.status == 0);
  auto sent = json::parse(apply_splices(body, plan.body_splices));
  CHECK(sent["max_tokens"] == 8192);
  CHECK(sent["thinking"]["budget_tokens"] == 8191);
  CHECK(plan.output_reserved == 8192);
  auto within = s.plan("/anthropic/v1/messages", R"({"model":"claude-sonnet-4","max_tokens":32000,"thinking":{"type":"enabled","budget_tokens":4000}})");
  REQUIRE(within.status == 0);
  CHECK(within.body_splices.size() == 1);  // a budget already below the ceiling is left alone
  Setup low;
  low.route.max_output_tokens = 1000;
  auto refused = low.plan("/anthropic/v1/messages", body);
  CHECK(refused.status == 400);
  CHECK(refused.reason.find("thinking") != std::string::npos);
}

TEST_CASE("a model name longer than 256 bytes is refused: each name would be kept for the session",
          "[policy][admission]") {
  Setup s;  // no rule at all: usage is tallied per model whatever the policy
  CHECK(s.plan("/openai/v1/chat/completions", R"({"model":")" + std::string(256, 'm') + R"("})").status == 0);
  auto plan = s.plan("/openai/v1/chat/completions", R"({"model":")" + std::string(257, 'm') + R"("})");
  CHECK(plan.status == 400);
  CHECK(plan.reason.find("longer than 256 bytes") != std::string::npos);
}
