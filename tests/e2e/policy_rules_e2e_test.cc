// The policy's rules through the built binary: model allowlist, output ceiling, rate limits,
// and the usage chunk of streaming OpenAI chats.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/e2e/policy_session.h"

using namespace saferun::test;
using nlohmann::json;

TEST_CASE("a model outside the allowlist is refused in the provider's shape and never forwarded",
          "[e2e][policy]") {
  PolicySession policy(policy_options("{}", R"({"models": ["claude-haiku-*", "claude-test"]})", R"({"models": ["gpt-5*"]})"));
  REQUIRE(policy.session->ready());
  auto refused = policy.message(R"({"model":"claude-opus-4-1","max_tokens":10,"messages":[]})");
  CHECK(refused.status == 403);
  auto body = json::parse(refused.body);
  CHECK(body["type"] == "error");
  CHECK(body["error"]["type"] == "permission_error");
  auto message = body["error"]["message"].get<std::string>();
  CHECK(contains(message, "claude-opus-4-1"));
  CHECK(contains(message, "routes[anthropic].policy.models"));
  auto openai = http_request(policy.session->port(), "POST", "/openai/v1/chat/completions", policy.openai(),
                             R"({"model":"gpt-4o","messages":[]})");
  CHECK(openai.status == 403);
  CHECK(json::parse(openai.body)["error"]["message"].get<std::string>().find("gpt-4o") != std::string::npos);
  CHECK(policy.upstream.requests().empty());
  CHECK(policy.message(R"({"model":"claude-test","max_tokens":10,"messages":[]})").status == 200);
  CHECK(policy.upstream.requests().size() == 1);
}

TEST_CASE("the output ceiling lowers max_tokens in the forwarded body, or refuses in refuse mode", "[e2e][policy]") {
  PolicySession policy(policy_options(R"({"max_output_tokens": 8192})", "{}", R"({"max_output_tokens": 100, "over_ceiling": "refuse"})"));
  REQUIRE(policy.session->ready());
  auto lowered = policy.message(R"({"model":"claude-test","max_tokens":64000,"messages":[]})");
  CHECK(lowered.status == 200);
  auto openai = http_request(policy.session->port(), "POST", "/openai/v1/chat/completions", policy.openai(),
                             R"({"model":"gpt-test","max_completion_tokens":5000,"messages":[]})");
  CHECK(openai.status == 400);
  CHECK(contains(json::parse(openai.body)["error"]["message"].get<std::string>(), "max_output_tokens (100)"));
  auto inserted = http_request(policy.session->port(), "POST", "/openai/v1/chat/completions", policy.openai(),
                               R"({"model":"gpt-test","messages":[]})");
  CHECK(inserted.status == 200);
  auto requests = policy.upstream.requests();
  REQUIRE(requests.size() == 2);
  CHECK(json::parse(requests[0].body)["max_tokens"] == 8192);
  CHECK(json::parse(requests[1].body)["max_completion_tokens"] == 100);
}

// The attack: a ceiling field the API does not honour (max_output_tokens on chat, which a
// gateway ignoring unknown fields lets pass) stood in for the real one, so the ceiling was never
// applied. Control: the same request with the chat's own field is lowered as usual.
TEST_CASE("an output field the API does not honour does not stand in for the ceiling", "[e2e][policy]") {
  PolicySession policy(policy_options(R"({"max_output_tokens": 100})"));
  REQUIRE(policy.session->ready());
  auto chat = [&](const std::string& body) {
    return http_request(policy.session->port(), "POST", "/openai/v1/chat/completions", policy.openai(), body);
  };
  CHECK(chat(R"({"model":"gpt-test","max_completion_tokens":5000,"messages":[]})").status == 200);  // control
  CHECK(chat(R"({"model":"gpt-test","max_output_tokens":5,"messages":[]})").status == 200);
  CHECK(policy.message(R"({"model":"claude-test","max_completion_tokens":5,"messages":[]})").status == 200);
  auto requests = policy.upstream.requests();
  REQUIRE(requests.size() == 3);
  CHECK(json::parse(requests[0].body)["max_completion_tokens"] == 100);
  auto foreign = json::parse(requests[1].body);
  CHECK(foreign["max_completion_tokens"] == 100);  // the chat's own field, inserted
  CHECK(foreign["max_output_tokens"] == 5);        // the foreign one passes untouched
  CHECK(json::parse(requests[2].body)["max_tokens"] == 100);
}

// The attack: a key the broker's JSON decoder refuses (a lone surrogate, which Python's,
// Node's and Go's decoders accept) made the body unreadable to the policy, which then inserted
// its ceiling in front and forwarded the body's own max_tokens behind it — last wins upstream.
// Control: the same body with an escape the decoder reads is lowered and forwarded.
TEST_CASE("a body the policy cannot read is refused under a ceiling, never forwarded", "[e2e][policy]") {
  PolicySession policy(policy_options(R"({"max_output_tokens": 100})"));
  REQUIRE(policy.session->ready());
  auto attack = policy.message(R"({"\ud800":1,"model":"claude-test","max_tokens":64000,"messages":[]})");
  CHECK(attack.status == 400);
  CHECK(contains(json::parse(attack.body)["error"]["message"].get<std::string>(), "not one JSON object"));
  CHECK(policy.upstream.requests().empty());
  auto control = policy.message(R"({"\u00e9":1,"model":"claude-test","max_tokens":64000,"messages":[]})");
  CHECK(control.status == 200);
  auto requests = policy.upstream.requests();
  REQUIRE(requests.size() == 1);
  CHECK(json::parse(requests[0].body)["max_tokens"] == 100);
}

TEST_CASE("a rate limit answers 429 with retry-after once reached", "[e2e][policy]") {
  PolicySession policy(policy_options("{}", R"({"requests_per_minute": 2})", "{}"));
  REQUIRE(policy.session->ready());
  const std::string body = R"({"model":"claude-test","max_tokens":10,"messages":[]})";
  CHECK(policy.message(body).status == 200);
  CHECK(policy.message(body).status == 200);
  auto limited = policy.message(body);
  CHECK(limited.status == 429);
  auto retry_after = std::stoi(limited.header("retry-after"));
  CHECK(retry_after >= 1);
  CHECK(retry_after <= 60);
  CHECK(limited.header("x-should-retry").empty());  // a rate comes back; the client may retry
  CHECK(json::parse(limited.body)["error"]["type"] == "rate_limit_error");
  CHECK(policy.upstream.requests().size() == 2);
}

TEST_CASE("a streaming chat is metered through the usage chunk the broker asked for, which the client never sees",
          "[e2e][policy]") {
  PolicySession policy;
  REQUIRE(policy.session->ready());
  auto stream = http_request(policy.session->port(), "POST", "/openai/v1/chat/completions",
                             policy.openai({{"x-fake-usage", "21,4"}}),
                             R"({"model":"gpt-test","stream":true,"messages":[]})");
  REQUIRE(stream.status == 200);
  CHECK(contains(stream.body, "Hello"));
  CHECK(contains(stream.body, "data: [DONE]"));
  CHECK_FALSE(contains(stream.body, "\"usage\""));
  auto asked = http_request(policy.session->port(), "POST", "/openai/v1/chat/completions",
                            policy.openai({{"x-fake-usage", "30,6"}}),
                            R"({"model":"gpt-test","stream":true,"stream_options":{"include_usage":true},"messages":[]})");
  CHECK(contains(asked.body, "\"completion_tokens\":6"));
  auto requests = policy.upstream.requests();
  REQUIRE(requests.size() == 2);
  CHECK(json::parse(requests[0].body)["stream_options"]["include_usage"] == true);
  auto usage = policy.status()["usage"];
  CHECK(usage["total"]["tokens"]["input_tokens"] == 51);
  CHECK(usage["total"]["tokens"]["output_tokens"] == 10);
  CHECK(usage["total"]["cost_micro_usd"] == 61);
}

TEST_CASE("a model name that is not UTF-8 is counted and summarised without ending the session", "[e2e][policy]") {
  PolicySession policy(policy_options("{}"));
  REQUIRE(policy.session->ready());
  // "claude-\xc3n": a broken two-byte sequence, as a fuzzed or hostile client may send.
  CHECK(policy.message("{\"model\":\"claude-\xc3n\",\"max_tokens\":10,\"messages\":[]}").status == 200);
  auto status = status_of(*policy.session, policy.anthropic());
  CHECK(status.is_object());
  auto summary = policy.end_with_summary();
  CHECK(policy.result.status == 0);  // the child's status, not an internal error (125)
  CHECK(summary.is_object());
  CHECK_FALSE(contains(policy.result.err, "internal error"));
}
