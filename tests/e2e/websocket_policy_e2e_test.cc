// The session policy over the WebSocket relay, mirroring the HTTP policy tests: each
// response.create is planned (models, ceiling) and reserved (budgets, rates, concurrency)
// before it reaches the upstream, refused with the Responses API's `error` event, and settled
// from the usage in response.completed — or, when the socket closes mid-response, as a cut
// stream. The fake reports 11 input tokens (2 cached) and 7 output: 9 + 2 + 7 = 18 micro-USD
// at the test price.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/e2e/policy_session.h"
#include "tests/e2e/ws_session.h"

using namespace saferun::test;
using nlohmann::json;

namespace {

const std::string kAllow = R"(["WS /responses", "POST /responses"])";
// With bytes_per_input_token 1 a turn reserves its size plus max_output_tokens, in micro-USD.
const std::string kTurn = R"({"type":"response.create","model":"gpt-test","max_output_tokens":20,"input":[]})";
const std::int64_t kReserved = static_cast<std::int64_t>(kTurn.size()) + 20;
const std::int64_t kTurnCost = 18;
// A turn the fake never ends (response.created and one delta only).
const std::string kStall =
    R"({"type":"response.create","model":"gpt-test","max_output_tokens":20,"metadata":{"fake":"stall"},"input":[]})";

// The message that ends a turn: response.completed, or the broker's error event; null if none came.
json read_turn_end(WsClient& client) {
  for (int i = 0; i < 10; ++i) {
    auto message = client.read();
    if (!message) return nullptr;
    auto event = json::parse(message->payload, nullptr, false);
    if (!event.is_object()) continue;
    if (event["type"] == "response.completed" || event["type"] == "error") return event;
  }
  return nullptr;
}

// Reads the stalled turn's response.created and delta.
void read_stalled_start(WsClient& client) {
  for (int i = 0; i < 3; ++i) REQUIRE(client.read());
}

// The session's live usage once `ready` holds for it (bounded wait).
json usage_when(const WsSession& ws, const std::function<bool(const json&)>& ready) {
  json usage;
  for (int i = 0; i < 100; ++i) {
    usage = ws.status()["usage"];
    if (ready(usage)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return usage;
}

}  // namespace

TEST_CASE("a budget that allows k WebSocket turns allows k, refuses the next, and reports their exact cost",
          "[e2e][websocket][policy]") {
  const int k = 3;
  const auto budget = kTurnCost * (k - 1) + kReserved;  // the k-th fits, the (k+1)-th reservation does not
  WsSession ws(kAllow, "{}", R"({"bytes_per_input_token": 1})", {"--budget-usd", usd(budget)});
  auto client = ws.open_client();
  for (int i = 0; i < k; ++i) {
    INFO(i);
    client->send(kTurn);
    CHECK(read_turn_end(*client)["type"] == "response.completed");
  }
  client->send(kTurn);
  auto refused = read_turn_end(*client);
  REQUIRE(refused.is_object());
  CHECK(refused["type"] == "error");
  CHECK(refused["status"] == 429);
  CHECK(refused["error"]["code"] == "budget_exhausted");
  CHECK(contains(refused["error"]["message"].get<std::string>(), "budget exhausted"));
  CHECK(refused["headers"]["x-should-retry"] == "false");
  CHECK(ws.upstream.messages().size() == static_cast<std::size_t>(k));
  auto audit = ws.audit();
  CHECK(contains(audit, R"("decision":"budget_exhausted")"));
  client->close(1000, "done");
  auto summary = ws.end_with_summary();
  CHECK(ws.result.status == 0);
  CHECK(summary["budget_exhausted"] == true);
  CHECK(summary["usage"]["total"]["requests"] == k);
  CHECK(summary["usage"]["total"]["cost_micro_usd"] == kTurnCost * k);
  CHECK(summary["usage"]["total"]["tokens"]["cache_read_tokens"] == 2 * k);
  auto usd_limit = limit_entry(summary["usage"], ":usd");
  CHECK(usd_limit["left"] == budget - kTurnCost * k);
  CHECK(usd_limit["reserved"] == 0);
}

TEST_CASE("a model outside the allowlist is refused over the WebSocket and never reaches the upstream",
          "[e2e][websocket][policy]") {
  WsSession ws(kAllow, "{}", R"({"models": ["gpt-test"]})");
  auto client = ws.open_client();
  client->send(R"({"type":"response.create","model":"gpt-4o","input":[]})");
  auto refused = read_turn_end(*client);
  REQUIRE(refused.is_object());
  CHECK(refused["type"] == "error");
  CHECK(refused["status"] == 403);
  CHECK(refused["error"]["code"] == "denied_model");
  CHECK(contains(refused["error"]["message"].get<std::string>(), "model 'gpt-4o' is not allowed by policy.models"));
  CHECK(ws.upstream.messages().empty());
  client->send(kTurn);  // the control, on the same socket: an allowed model is answered
  CHECK(read_turn_end(*client)["type"] == "response.completed");
  CHECK(ws.upstream.messages().size() == 1);
}

TEST_CASE("the output ceiling lowers or inserts max_output_tokens in a forwarded response.create",
          "[e2e][websocket][policy]") {
  WsSession ws(kAllow, "{}", R"({"max_output_tokens": 50})");
  auto client = ws.open_client();
  client->send(R"({"type":"response.create","model":"gpt-test","max_output_tokens":64000,"input":[]})");
  CHECK(read_turn_end(*client)["type"] == "response.completed");
  client->send(R"({"type":"response.create","model":"gpt-test","input":[]})");
  CHECK(read_turn_end(*client)["type"] == "response.completed");
  auto messages = ws.upstream.messages();
  REQUIRE(messages.size() == 2);
  CHECK(json::parse(messages[0].payload)["max_output_tokens"] == 50);
  CHECK(json::parse(messages[1].payload)["max_output_tokens"] == 50);
  CHECK(json::parse(messages[1].payload)["type"] == "response.create");
}

TEST_CASE("under a USD budget a response.create with web search is bounded by max_tool_calls and charged as "
          "response.completed counts",
          "[e2e][websocket][policy][hosted_tools]") {
  WsSession ws(kAllow, "{}", R"({"bytes_per_input_token": 1})", {"--budget-usd", "5"});
  auto client = ws.open_client();
  client->send(R"({"type":"response.create","model":"gpt-test","max_output_tokens":20,"input":[],)"
               R"("tools":[{"type":"web_search","external_web_access":false}]})");
  CHECK(read_turn_end(*client)["type"] == "response.completed");
  auto messages = ws.upstream.messages();
  REQUIRE(messages.size() == 1);
  auto forwarded = json::parse(messages[0].payload);
  CHECK(forwarded["max_tool_calls"] == 10);
  CHECK(forwarded["max_output_tokens"] == 20);
  // response.completed's output holds no web_search_call: no search is charged, the reserve is freed.
  auto usage = usage_when(ws, [](const json& u) { return u["total"]["requests"] == 1; });
  CHECK(limit_entry(usage, ":usd")["used"] == kTurnCost);
  CHECK(limit_entry(usage, ":usd")["reserved"] == 0);
}

TEST_CASE("a rate limit over the WebSocket answers an error event with retry-after once reached",
          "[e2e][websocket][policy]") {
  WsSession ws(kAllow, "{}", R"({"requests_per_minute": 2})");
  auto client = ws.open_client();
  for (int i = 0; i < 2; ++i) {
    client->send(kTurn);
    CHECK(read_turn_end(*client)["type"] == "response.completed");
  }
  client->send(kTurn);
  auto limited = read_turn_end(*client);
  REQUIRE(limited.is_object());
  CHECK(limited["status"] == 429);
  CHECK(limited["error"]["code"] == "rate_limited");
  CHECK(limited["error"]["type"] == "rate_limit_exceeded");
  auto retry_after = std::stoi(limited["headers"]["retry-after"].get<std::string>());
  CHECK(retry_after >= 1);
  CHECK(retry_after <= 60);
  CHECK_FALSE(limited["headers"].contains("x-should-retry"));  // a rate comes back; the client may retry
  CHECK(ws.upstream.messages().size() == 2);
  // A message that spends nothing passes unreserved, and is audited.
  client->send(R"({"type":"response.processed","response_id":"resp_fake"})");
  CHECK(ws.upstream.wait_until([&] { return ws.upstream.messages().size() == 3; }, std::chrono::seconds(5)));
}

TEST_CASE("a socket closed mid-response settles its turn and frees the reservation: the next turn fits",
          "[e2e][websocket][policy]") {
  // Room for the stalled turn's settlement (its input estimate) plus exactly one more reservation.
  const auto budget = static_cast<std::int64_t>(kStall.size()) + kReserved;
  WsSession ws(kAllow, "{}", R"({"bytes_per_input_token": 1})", {"--budget-usd", usd(budget)});
  {
    auto client = ws.open_client();
    client->send(kStall);
    read_stalled_start(*client);
    client->close(1000, "leaving mid-response");
  }
  auto usage = usage_when(ws, [](const json& u) { return u["total"]["requests"] == 1; });
  CHECK(usage["total"]["requests"] == 1);
  CHECK(usage["total"]["tokens"]["input_tokens"] == static_cast<std::int64_t>(kStall.size()));
  CHECK(limit_entry(usage, ":usd")["reserved"] == 0);
  CHECK(limit_entry(usage, ":usd")["used"] == static_cast<std::int64_t>(kStall.size()));
  auto client = ws.open_client();
  client->send(kTurn);  // refused if the stalled turn's reservation had leaked
  CHECK(read_turn_end(*client)["type"] == "response.completed");
}

TEST_CASE("one response at a time on a socket: a response.create sent while one is open is refused, and the open turn holds its concurrency slot",
          "[e2e][websocket][policy]") {
  WsSession ws(kAllow, "{}", R"({"concurrent_requests": 1})");
  auto client = ws.open_client();
  client->send(kStall);
  read_stalled_start(*client);
  client->send(kTurn);
  auto refused = read_turn_end(*client);
  REQUIRE(refused.is_object());
  CHECK(refused["status"] == 429);
  CHECK(refused["error"]["code"] == "rate_limited");
  CHECK(contains(refused["error"]["message"].get<std::string>(), "in progress"));
  CHECK(ws.upstream.messages().size() == 1);
  // HTTP shares the slot the open turn holds.
  auto answer = http_request(ws.session->port(), "POST", "/openai/v1/responses", ws.auth(), R"({"model":"gpt-test"})");
  CHECK(answer.status == 429);
}

TEST_CASE("a message that names its type twice is refused and never forwarded", "[e2e][websocket][policy]") {
  WsSession ws(kAllow, "{}", R"({"models": ["gpt-test"]})");
  auto client = ws.open_client();
  // A parser that keeps the first "type" sees a response.create for a model the policy refuses.
  client->send(R"({"type":"response.create","model":"gpt-4o","type":"response.processed","input":[]})");
  auto refused = read_turn_end(*client);
  REQUIRE(refused.is_object());
  CHECK(refused["status"] == 400);
  CHECK(refused["error"]["code"] == "denied_policy");
  CHECK(ws.upstream.messages().empty());
  client->send(R"({"type":"response.processed","response_id":"resp_fake"})");  // the control: one type passes
  CHECK(ws.upstream.wait_until([&] { return ws.upstream.messages().size() == 1; }, std::chrono::seconds(5)));
}

// An upstream `error` event used to leave its turn open; the next turn's response.completed
// then settled the refused turn, and every later one the turn before it (priced at the wrong
// turn's model, the last one never settled).
TEST_CASE("an upstream error event ends a turn that had not started, at zero, and the next turn settles with its own usage",
          "[e2e][websocket][policy]") {
  WsSession ws(kAllow, "{}", R"({"budget_usd": 0.001})");
  auto client = ws.open_client();
  client->send(R"({"type":"response.create","model":"gpt-test","max_output_tokens":20,"metadata":{"fake":"error"},"input":[]})");
  auto error = read_turn_end(*client);
  REQUIRE(error.is_object());
  CHECK(error["status"] == 400);
  CHECK(error["error"]["message"] == "fake: refused");  // the upstream's own event, passed on
  auto usage = usage_when(ws, [](const json& u) { return limit_entry(u, ":usd")["reserved"] == 0; });
  CHECK(limit_entry(usage, ":usd")["reserved"] == 0);
  CHECK(limit_entry(usage, ":usd")["used"] == 0);
  client->send(kTurn);
  CHECK(read_turn_end(*client)["type"] == "response.completed");
  usage = usage_when(ws, [](const json& u) { return limit_entry(u, ":usd")["used"] == kTurnCost; });
  CHECK(limit_entry(usage, ":usd")["used"] == kTurnCost);
  CHECK(limit_entry(usage, ":usd")["reserved"] == 0);
  client->send(kTurn);  // and the one after that, on the same socket
  CHECK(read_turn_end(*client)["type"] == "response.completed");
  usage = usage_when(ws, [](const json& u) { return limit_entry(u, ":usd")["used"] == 2 * kTurnCost; });
  CHECK(limit_entry(usage, ":usd")["used"] == 2 * kTurnCost);
  CHECK(limit_entry(usage, ":usd")["reserved"] == 0);
}

TEST_CASE("a response the upstream starts after the broker ended its turn closes the socket before any of its output",
          "[e2e][websocket][policy]") {
  WsSession ws(kAllow, "{}", R"({"budget_usd": 0.001})");
  auto client = ws.open_client();
  client->send(
      R"({"type":"response.create","model":"gpt-test","max_output_tokens":20,"metadata":{"fake":"error-then-answer"},"input":[]})");
  bool delta = false, closed = false;
  for (int i = 0; i < 10 && !closed; ++i) {
    auto message = client->read();
    if (!message) {
      closed = true;
      break;
    }
    delta = delta || contains(message->payload, "output_text.delta");
  }
  CHECK(closed);
  CHECK_FALSE(delta);
  CHECK(client->close_code() == 1008);
}

TEST_CASE("a message that is not a JSON object with a type is refused under a policy and never forwarded",
          "[e2e][websocket][policy]") {
  WsSession ws(kAllow, "{}", R"({"budget_usd": 0.001})");
  auto client = ws.open_client();
  // A lone surrogate escape: nlohmann refuses it, a lenient upstream parser might not.
  client->send(R"({"type":"response.create","model":"gpt-test","input":"\udc00"})");
  auto refused = read_turn_end(*client);
  REQUIRE(refused.is_object());
  CHECK(refused["status"] == 400);
  CHECK(refused["error"]["code"] == "denied_policy");
  client->send("NaN");
  refused = read_turn_end(*client);
  REQUIRE(refused.is_object());
  CHECK(refused["status"] == 400);
  CHECK(ws.upstream.messages().empty());
  client->send(kTurn);  // the control: a readable turn on the same socket goes through
  CHECK(read_turn_end(*client)["type"] == "response.completed");
  CHECK(ws.upstream.messages().size() == 1);
}

// The attack: an include_usage that is not a boolean threw inside the body scan, and on the
// WebSocket nothing caught it — the exception left the event loop and ended the session.
// Control: the next turn on a fresh socket completes and the session still answers.
TEST_CASE("a response.create whose stream_options.include_usage is not a boolean does not end the session",
          "[e2e][websocket][policy]") {
  WsSession ws(kAllow, "{}", R"({"models": ["gpt-test"]})");
  auto client = ws.open_client();
  client->send(R"({"type":"response.create","model":"gpt-test","max_output_tokens":20,"stream_options":{"include_usage":"yes"},"input":[]})");
  auto first = read_turn_end(*client);
  CHECK(first.is_object());
  auto next = ws.open_client();
  next->send(kTurn);
  auto completed = read_turn_end(*next);
  REQUIRE(completed.is_object());
  CHECK(completed["type"] == "response.completed");
  CHECK(ws.status().is_object());
}
