#include "broker/websocket/client_message.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace saferun::broker;
using namespace saferun::broker::websocket;

TEST_CASE("a response.create message is told apart from every other message", "[client_message]") {
  CHECK(classify_client_message(R"({"type":"response.create","model":"gpt-5"})").kind ==
        ClientMessageKind::response_create);
  auto processed = classify_client_message(R"({"type":"response.processed","response_id":"r"})");
  CHECK(processed.kind == ClientMessageKind::other);
  CHECK(processed.type == "response.processed");
  CHECK(classify_client_message(R"({"type":"anything.else"})").kind == ClientMessageKind::other);
  CHECK(classify_client_message(R"({"model":"m","input":[{"type":"response.create"}]})").kind ==
        ClientMessageKind::unreadable);  // a nested type is not the message's
  // An escaped key is the same key to every JSON parser.
  CHECK(classify_client_message(R"({"typ\u0065":"response.create"})").kind == ClientMessageKind::response_create);
}

TEST_CASE("a message that is not a JSON object with a string type is unreadable", "[client_message]") {
  CHECK(classify_client_message("echo:x").kind == ClientMessageKind::unreadable);
  CHECK(classify_client_message(R"({"type":7})").kind == ClientMessageKind::unreadable);
  CHECK(classify_client_message(R"({"model":"m"})").kind == ClientMessageKind::unreadable);
  CHECK(classify_client_message(R"([{"type":"response.create"}])").kind == ClientMessageKind::unreadable);
  // What nlohmann refuses and a lenient parser might take: a lone surrogate, NaN.
  CHECK(classify_client_message(R"({"type":"response.create","input":"\udc00"})").kind == ClientMessageKind::unreadable);
  CHECK(classify_client_message(R"({"type":"response.create","temperature":NaN})").kind == ClientMessageKind::unreadable);
}

TEST_CASE("a message naming its type twice is ambiguous, however the key is spelled", "[client_message]") {
  CHECK(classify_client_message(R"({"type":"response.create","type":"x"})").kind == ClientMessageKind::ambiguous);
  CHECK(classify_client_message(R"({"type":"x","t\u0079pe":"response.create"})").kind == ClientMessageKind::ambiguous);
  CHECK(classify_client_message(R"({"type":"x","input":{"type":"y"}})").kind == ClientMessageKind::other);
}

TEST_CASE("a refusal is the Responses API's error event with the HTTP status and headers", "[client_message]") {
  policy::Refusal budget{429, "budget_exhausted", "budget exhausted: policy.budget_usd", std::nullopt, false};
  auto event = nlohmann::json::parse(refusal_event(Provider::openai, budget));
  CHECK(event["type"] == "error");
  CHECK(event["status"] == 429);
  CHECK(event["error"]["type"] == "rate_limit_exceeded");
  CHECK(event["error"]["code"] == "budget_exhausted");
  CHECK(event["error"]["message"] == "budget exhausted: policy.budget_usd");
  CHECK(event["headers"]["x-should-retry"] == "false");
  CHECK_FALSE(event["headers"].contains("retry-after"));
  policy::Refusal rate{429, "rate_limited", "rate limit reached", 12, true};
  auto limited = nlohmann::json::parse(refusal_event(Provider::openai, rate));
  CHECK(limited["headers"]["retry-after"] == "12");
  CHECK_FALSE(limited["headers"].contains("x-should-retry"));
}

TEST_CASE("a message nested 100,000 deep is classified without a tree, and still checked whole", "[client_message]") {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  CHECK(classify_client_message(R"({"type":"response.create","input":)" + deep + "}").kind ==
        ClientMessageKind::response_create);
  CHECK(classify_client_message(R"({"type":"response.create","input":)" + deep + R"(,"x":NaN})").kind ==
        ClientMessageKind::unreadable);
  CHECK(classify_client_message(R"({"type":{"nested":"response.create"}})").kind == ClientMessageKind::unreadable);
}
