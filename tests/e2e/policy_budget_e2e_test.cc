// Budgets through the built binary: exact admission, the concurrency bound, settlement when a
// request ends early, and the usage a session reports.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/e2e/policy_session.h"

using namespace saferun::test;
using nlohmann::json;

namespace {

// With bytes_per_input_token 1 the reservation of this body is its size plus max_tokens, in
// micro-USD at the test price; the fake reports 10 in + 5 out = 15 micro-USD by default.
const std::string kBody = R"({"model":"claude-test","max_tokens":20,"messages":[]})";
const std::int64_t kReserved = static_cast<std::int64_t>(kBody.size()) + 20;

}  // namespace

TEST_CASE("a budget that allows exactly k requests allows k and refuses the next without retry",
          "[e2e][policy][budget]") {
  const int k = 3;
  const auto budget = 15 * (k - 1) + kReserved;  // the k-th fits, the (k+1)-th reservation does not
  PolicySession policy(policy_options(R"({"bytes_per_input_token": 1})", "{}", "{}", {"--budget-usd", usd(budget)}));
  REQUIRE(policy.session->ready());
  for (int i = 0; i < k; ++i) {
    INFO(i);
    CHECK(policy.message(kBody).status == 200);
  }
  auto refused = policy.message(kBody);
  CHECK(refused.status == 429);
  CHECK(refused.header("x-should-retry") == "false");
  CHECK(contains(json::parse(refused.body)["error"]["message"].get<std::string>(), "budget exhausted"));
  CHECK(policy.upstream.requests().size() == static_cast<std::size_t>(k));
  auto summary = policy.end_with_summary();
  CHECK(policy.result.status == 0);
  CHECK(summary["budget_exhausted"] == true);
  CHECK(summary["usage"]["total"]["requests"] == k);
  CHECK(summary["usage"]["total"]["cost_micro_usd"] == 15 * k);
  auto usd_limit = limit_entry(summary["usage"], ":usd");
  CHECK(usd_limit["max"] == budget);
  CHECK(usd_limit["left"] == budget - 15 * k);
  CHECK(contains(policy.result.err, "budget exhausted"));
}

TEST_CASE("50 concurrent streams never spend more than the budget", "[e2e][policy][budget]") {
  const std::int64_t budget = 10 * kReserved;  // room for 10 reservations at once
  PolicySession policy(policy_options(R"({"bytes_per_input_token": 1})", "{}", "{}", {"--budget-usd", usd(budget)}));
  REQUIRE(policy.session->ready());
  const std::string stream_body = R"({"model":"claude-test","max_tokens":20,"stream":true,"messages":[]})";
  const std::int64_t reserved = static_cast<std::int64_t>(stream_body.size()) + 20;
  std::vector<int> statuses(50);
  std::vector<std::thread> clients;
  for (int i = 0; i < 50; ++i)
    clients.emplace_back([&, i] {
      statuses[i] = policy.message(stream_body, {{"x-fake-delay-ms", "300"}, {"x-fake-usage", "40,20"}}).status;
    });
  for (auto& client : clients) client.join();
  auto served = std::count(statuses.begin(), statuses.end(), 200);
  auto refused = std::count(statuses.begin(), statuses.end(), 429);
  CHECK(served + refused == 50);
  CHECK(served >= budget / reserved);  // every reservation that fitted was admitted
  auto summary = policy.end_with_summary();
  auto spent = summary["usage"]["total"]["cost_micro_usd"].get<std::int64_t>();
  CHECK(spent == 60 * served);
  CHECK(spent <= budget);  // the README's bound: no overshoot when real input <= the estimate
  CHECK(limit_entry(summary["usage"], ":usd")["reserved"] == 0);
}

TEST_CASE("a client that leaves mid-stream settles at what the stream reported, and frees its reservation",
          "[e2e][policy][budget]") {
  PolicySession policy(policy_options("{}", "{}", "{}", {"--budget-usd", "1"}));
  REQUIRE(policy.session->ready());
  RawConnection client(policy.session->port());
  REQUIRE(client.connected());
  client.send(request_bytes("POST", "/anthropic/v1/messages",
                            policy.anthropic({{"x-fake-delay-ms", "2000"}, {"x-fake-usage", "33,9"}}),
                            R"({"model":"claude-test","max_tokens":50,"stream":true,"messages":[]})", false));
  auto seen = read_until_seen(client, "message_start");
  REQUIRE(contains(seen, "message_start"));
  client.close();
  auto usage = usage_after(policy, 1);
  CHECK(usage["total"]["requests"] == 1);
  CHECK(usage["total"]["tokens"]["input_tokens"] == 33);  // from message_start
  CHECK(usage["total"]["tokens"]["output_tokens"] == 1);
  CHECK(limit_entry(usage, ":usd")["reserved"] == 0);
  CHECK(limit_entry(usage, ":usd")["used"] == 34);
}

TEST_CASE("an upstream that cuts a stream before message_delta settles at message_start's usage",
          "[e2e][policy][budget]") {
  PolicySession policy(policy_options("{}", "{}", "{}", {"--budget-usd", "1"}));
  REQUIRE(policy.session->ready());
  auto cut = policy.message(R"({"model":"claude-test","max_tokens":50,"stream":true,"messages":[]})",
                            {{"x-fake-cut", "start"}, {"x-fake-usage", "70,9"}});
  CHECK(contains(cut.body, "message_start"));
  CHECK_FALSE(contains(cut.body, "message_delta"));
  auto usage = policy.status()["usage"];
  CHECK(usage["total"]["tokens"]["input_tokens"] == 70);
  CHECK(limit_entry(usage, ":usd")["reserved"] == 0);
  CHECK(limit_entry(usage, ":usd")["used"] == 71);
}

TEST_CASE("a USD budget refuses a model the price table does not list", "[e2e][policy][budget]") {
  PolicySession policy(policy_options("{}", "{}", "{}", {"--budget-usd", "5"}));
  REQUIRE(policy.session->ready());
  auto refused = policy.message(R"({"model":"claude-unpriced","max_tokens":10,"messages":[]})");
  CHECK(refused.status == 403);
  CHECK(contains(refused.body, "no price for model 'claude-unpriced'"));
  CHECK(policy.upstream.requests().empty());
}

TEST_CASE("the summary reports per route and model the tokens the upstream reported, cache included",
          "[e2e][policy]") {
  PolicySession policy;
  REQUIRE(policy.session->ready());
  CHECK(policy.message(R"({"model":"claude-test","max_tokens":10,"messages":[]})",
                       {{"x-fake-usage", "12,7,100,1000"}}).status == 200);
  CHECK(policy.message(R"({"model":"claude-test","max_tokens":10,"stream":true,"messages":[]})",
                       {{"x-fake-usage", "3,4,5,6"}}).status == 200);
  CHECK(http_request(policy.session->port(), "POST", "/openai/v1/embeddings", policy.openai(),
                     R"({"model":"text-embedding-3-small","input":"x"})").status == 200);
  auto summary = policy.end_with_summary();
  json anthropic, openai;
  for (const auto& row : summary["usage"]["by_route_model"]) {
    if (row["route"] == "anthropic") anthropic = row;
    if (row["route"] == "openai") openai = row;
  }
  REQUIRE(anthropic.is_object());
  CHECK(anthropic["model"] == "claude-test");
  CHECK(anthropic["requests"] == 2);
  CHECK(anthropic["tokens"]["input_tokens"] == 15);
  CHECK(anthropic["tokens"]["output_tokens"] == 11);
  CHECK(anthropic["tokens"]["cache_write_tokens"] == 105);
  CHECK(anthropic["tokens"]["cache_read_tokens"] == 1006);
  CHECK(anthropic["cost_micro_usd"] == 15 + 11 + 105 + 1006);
  REQUIRE(openai.is_object());
  CHECK(openai["model"] == "text-embedding-3-small");
  CHECK(openai["tokens"]["input_tokens"] == 2);
  CHECK(openai["cost_micro_usd"] == 1);  // 2 tokens at $0.02/MTok, rounded up
  CHECK(contains(policy.result.err, "usage: 3 metered request(s)"));
}

// The attack: a negative max_tokens, one past INT64_MAX (read as INT64_MIN before the fix), or
// INT64_MAX itself (input + output wrapped) made a negative tokens-per-minute reservation while
// its stream was open, so more or fewer other requests fitted under the limit than it allows.
// Control: the same burst without the attack.
TEST_CASE("a negative or wrapping max_tokens buys other requests no room under tokens_per_minute",
          "[e2e][policy][budget]") {
  const std::string honest = R"({"model":"claude-test","max_tokens":20,"stream":true,"messages":[]})";
  const std::int64_t limit = 4 * (static_cast<std::int64_t>(honest.size()) + 20);  // four honest reservations
  for (std::string attack_value : {"", "-5000", "9223372036854775808", "9223372036854775807"}) {
    INFO("attacking max_tokens: " << (attack_value.empty() ? "none (control)" : attack_value));
    PolicySession policy(policy_options(R"({"bytes_per_input_token": 1})",
                                        R"({"tokens_per_minute": )" + std::to_string(limit) + "}"));
    REQUIRE(policy.session->ready());
    int attack_status = 0;
    std::thread attack([&] {
      if (attack_value.empty()) return;
      auto body = R"({"model":"claude-test","max_tokens":)" + attack_value + R"(,"stream":true,"messages":[]})";
      attack_status = policy.message(body, {{"x-fake-delay-ms", "3000"}}).status;  // open for 3 s
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the attack is admitted (or not) first
    std::vector<int> statuses(10);
    std::vector<std::thread> clients;
    for (int i = 0; i < 10; ++i)  // all in flight at once: each holds its reservation for 1 s
      clients.emplace_back([&, i] { statuses[i] = policy.message(honest, {{"x-fake-delay-ms", "1000"}}).status; });
    for (auto& client : clients) client.join();
    attack.join();
    CHECK(std::count(statuses.begin(), statuses.end(), 200) == 4);
    // Refused: the first two reserve the assumed output (4096), the last its own — each more than
    // the limit allows in a minute, so never admitted (400, not a 429 to retry).
    if (!attack_value.empty()) CHECK(attack_status == 400);
  }
}

// The attack: a chat asking for n answers reserved one answer's output, so each request in
// flight could overspend an output budget by (n − 1) × its limit (admitted at 100 of a 500
// budget, it spent 800). Control: n answers that fit are admitted and spend what they reserved.
TEST_CASE("a chat's n answers are reserved in full, so asking for many does not overspend", "[e2e][policy][budget]") {
  PolicySession policy(policy_options("{}", "{}", R"({"output_tokens": 500})"));
  REQUIRE(policy.session->ready());
  auto chat = [&](int answers, const std::string& usage) {
    return http_request(policy.session->port(), "POST", "/openai/v1/chat/completions",
                        policy.openai({{"x-fake-usage", usage}}),
                        R"({"model":"gpt-test","max_completion_tokens":100,"n":)" + std::to_string(answers) +
                            R"(,"messages":[]})");
  };
  auto attack = chat(8, "10,800");
  CHECK(attack.status == 429);
  CHECK(chat(4, "10,400").status == 200);  // control
  CHECK(policy.upstream.requests().size() == 1);
  CHECK(policy.status()["usage"]["total"]["tokens"]["output_tokens"] == 400);
}

// The attack: the policy read the API from the path as sent, the allowlist from the decoded
// path, so "complet%69ons" passed the allowlist as a chat but was metered as an unknown API — no
// n, no ceiling, no usage chunk asked for. Control: the plain path, refused the same way.
TEST_CASE("a percent-encoded path is metered as the API it decodes to", "[e2e][policy][budget]") {
  // 64 answers of up to 100 do not fit; an unknown API's assumed 4096 would.
  PolicySession policy(policy_options("{}", "{}", R"({"output_tokens": 5000})"));
  REQUIRE(policy.session->ready());
  const std::string body = R"({"model":"gpt-test","max_completion_tokens":100,"n":64,"messages":[]})";
  for (std::string path : {"/openai/v1/chat/completions", "/openai/v1/chat/complet%69ons"}) {
    INFO(path);
    auto answer = http_request(policy.session->port(), "POST", path, policy.openai({{"x-fake-usage", "10,6400"}}), body);
    CHECK(answer.status == 429);
  }
  CHECK(policy.upstream.requests().empty());
  CHECK(policy.status()["usage"]["total"]["tokens"]["output_tokens"] == 0);
}
