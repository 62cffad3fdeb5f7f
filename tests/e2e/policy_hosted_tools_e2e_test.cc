// Tools the provider bills per call, through the built binary under a USD budget: web searches
// the answer reports are charged; a tool no usage report counts is named in the audit record.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/e2e/policy_session.h"

using namespace saferun::test;
using nlohmann::json;

namespace {

// 2 searches allowed, and reported by the fake (x-fake-usage's fifth field): 20,000 micro-USD.
const std::string kSearching = R"({"model":"claude-test","max_tokens":20,"messages":[],)"
                               R"("tools":[{"type":"web_search_20250305","name":"web_search","max_uses":2}]})";
const std::string kPlain = R"({"model":"claude-test","max_tokens":20,"messages":[]})";
const Headers kTwoSearches = {{"x-fake-usage", "10,5,-1,-1,2"}};

}  // namespace

TEST_CASE("web searches an answer reports are charged to the USD budget, and bound what it admits",
          "[e2e][policy][budget][hosted_tools]") {
  const std::int64_t budget = 30'000;  // one searching request (20,015 spent) fits; a second does not
  PolicySession policy(policy_options(R"({"bytes_per_input_token": 1})", "{}", "{}", {"--budget-usd", usd(budget)}));
  REQUIRE(policy.session->ready());
  // Control: token-only requests spend 15 micro-USD each; many fit in this budget.
  for (int i = 0; i < 3; ++i) CHECK(policy.message(kPlain).status == 200);
  CHECK(policy.message(kSearching, kTwoSearches).status == 200);
  auto usage = policy.status()["usage"];
  CHECK(usage["total"]["cost_micro_usd"] == 4 * 15 + 20'000);
  CHECK(limit_entry(usage, ":usd")["used"] == 4 * 15 + 20'000);
  auto refused = policy.message(kSearching, kTwoSearches);  // reserves 20,000 for its searches: no room left
  CHECK(refused.status == 429);
  CHECK(contains(json::parse(refused.body)["error"]["message"].get<std::string>(), "budget exhausted"));
  CHECK(policy.upstream.requests().size() == 4);
}

TEST_CASE("a streamed answer's searches, counted in message_delta, are charged", "[e2e][policy][budget][hosted_tools]") {
  PolicySession policy(policy_options(R"({"bytes_per_input_token": 1})", "{}", "{}", {"--budget-usd", "5"}));
  REQUIRE(policy.session->ready());
  auto streaming = json::parse(kSearching);
  streaming["stream"] = true;
  CHECK(policy.message(streaming.dump(), kTwoSearches).status == 200);
  CHECK(policy.status()["usage"]["total"]["cost_micro_usd"] == 15 + 20'000);
}

TEST_CASE("a client that leaves a searching stream before its end is charged every search it allowed",
          "[e2e][policy][budget][hosted_tools]") {
  PolicySession policy(policy_options("{}", "{}", "{}", {"--budget-usd", "1"}));
  REQUIRE(policy.session->ready());
  RawConnection client(policy.session->port());
  REQUIRE(client.connected());
  auto streaming = json::parse(kSearching);
  streaming["stream"] = true;
  client.send(request_bytes("POST", "/anthropic/v1/messages",
                            policy.anthropic({{"x-fake-delay-ms", "2000"}, {"x-fake-usage", "33,9,-1,-1,2"}}),
                            streaming.dump(), false));
  auto seen = read_until_seen(client, "message_start");
  REQUIRE(contains(seen, "message_start"));  // which counts no search yet: the count comes at the end
  client.close();
  auto usage = usage_after(policy, 1);
  CHECK(usage["total"]["requests"] == 1);
  CHECK(limit_entry(usage, ":usd")["reserved"] == 0);
  CHECK(limit_entry(usage, ":usd")["used"] == 33 + 1 + 2 * 10'000);
}

TEST_CASE("OpenAI Responses web search is bounded by an inserted max_tool_calls and charged per web_search_call",
          "[e2e][policy][budget][hosted_tools]") {
  PolicySession policy(policy_options(R"({"bytes_per_input_token": 1})", "{}", "{}", {"--budget-usd", "5"}));
  REQUIRE(policy.session->ready());
  auto answer = http_request(policy.session->port(), "POST", "/openai/v1/responses",
                             policy.openai({{"x-fake-usage", "5,3,-1,-1,4"}}),
                             R"({"model":"gpt-test","input":"hi","tools":[{"type":"web_search"}]})");
  CHECK(answer.status == 200);
  REQUIRE(policy.upstream.requests().size() == 1);
  auto forwarded = json::parse(policy.upstream.requests()[0].body);
  CHECK(forwarded["max_tool_calls"] == 10);  // Codex sends none: the budget needs a bound
  CHECK(policy.status()["usage"]["total"]["cost_micro_usd"] == 8 + 4 * 10'000);
}

TEST_CASE("under a USD budget a tool billed outside token usage is forwarded and named in the audit record",
          "[e2e][policy][budget][hosted_tools]") {
  TempDir dir;
  auto trail = dir.path() + "/audit.jsonl";
  const std::string executing = R"({"model":"claude-test","max_tokens":20,"messages":[],)"
                                R"("tools":[{"type":"code_execution_20250825","name":"code_execution"}]})";
  {
    PolicySession policy(policy_options("{}", "{}", "{}", {"--budget-usd", "5", "--audit-log", trail}));
    REQUIRE(policy.session->ready());
    CHECK(policy.message(executing).status == 200);
    CHECK(policy.message(kSearching, kTwoSearches).status == 200);
    policy.session->end();
  }
  auto lines = json_lines(trail);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0]["unmetered_tool"] == "code_execution_20250825");
  CHECK_FALSE(lines[1].contains("unmetered_tool"));
  CHECK(lines[1]["web_searches"] == 2);
  CHECK(lines[1]["cost_micro_usd"] == 15 + 20'000);
}
