// Bodies written to slip past the policy, each found by a reviewer and admitted before its fix:
// what the policy cannot read, spellings other decoders read, answers multiplied, spend the
// meter cannot see, and bodies built to crash or stall the broker.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "broker/policy/admission.h"
#include "tests/broker/policy/admission_setup.h"

using namespace saferun::broker::policy;
using nlohmann::json;
using Setup = saferun::test::AdmissionSetup;
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
