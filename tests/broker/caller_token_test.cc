#include "broker/caller_token.h"

#include <catch2/catch.hpp>

#include "broker/secret.h"

using namespace saferun::broker;

TEST_CASE("the caller token is accepted in x-api-key or Authorization: Bearer", "[caller_token]") {
  Secret token("srt_abc123");
  CHECK(check_caller_token({"srt_abc123", std::nullopt, std::nullopt}, token) == TokenVerdict::accepted);
  CHECK(check_caller_token({std::nullopt, "Bearer srt_abc123", std::nullopt}, token) == TokenVerdict::accepted);
  CHECK(check_caller_token({std::nullopt, "bearer srt_abc123", std::nullopt}, token) == TokenVerdict::accepted);
  CHECK(check_caller_token({std::nullopt, "token srt_abc123", std::nullopt}, token) == TokenVerdict::accepted);
  CHECK(check_caller_token({"wrong_value", "Bearer srt_abc123", std::nullopt}, token) == TokenVerdict::accepted);
}

TEST_CASE("Gemini's clients present the caller token in x-goog-api-key", "[caller_token]") {
  Secret token("srt_abc123");
  CHECK(check_caller_token({std::nullopt, std::nullopt, "srt_abc123"}, token) == TokenVerdict::accepted);
  CHECK(check_caller_token({std::nullopt, std::nullopt, "srt_abc124"}, token) == TokenVerdict::rejected);
}

TEST_CASE("a missing, wrong or malformed caller token is refused", "[caller_token]") {
  Secret token("srt_abc123");
  CHECK(check_caller_token({}, token) == TokenVerdict::missing);
  CHECK(check_caller_token({"srt_abc124", std::nullopt, std::nullopt}, token) == TokenVerdict::rejected);
  CHECK(check_caller_token({"", std::nullopt, std::nullopt}, token) == TokenVerdict::rejected);
  CHECK(check_caller_token({"srt_abc12", std::nullopt, std::nullopt}, token) == TokenVerdict::rejected);
  CHECK(check_caller_token({"srt_abc123\xc3\xa9", std::nullopt, std::nullopt}, token) == TokenVerdict::rejected);
  CHECK(check_caller_token({std::nullopt, "srt_abc123", std::nullopt}, token) == TokenVerdict::rejected);
  CHECK(check_caller_token({std::nullopt, "Basic srt_abc123", std::nullopt}, token) == TokenVerdict::rejected);
  CHECK(check_caller_token({std::nullopt, "Bearer ", std::nullopt}, token) == TokenVerdict::rejected);
}

TEST_CASE("an empty expected token never matches", "[caller_token]") {
  CHECK_FALSE(token_equals("", ""));
}
