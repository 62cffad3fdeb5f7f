#include "broker/error_body.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace saferun::broker;
using nlohmann::json;

TEST_CASE("anthropic errors use the Anthropic error shape", "[error_body]") {
  auto body = json::parse(error_body(Provider::anthropic, 401, "invalid caller token"));
  CHECK(body["type"] == "error");
  CHECK(body["error"]["type"] == "authentication_error");
  CHECK(body["error"]["message"] == "invalid caller token");
}

TEST_CASE("openai errors use the OpenAI error shape", "[error_body]") {
  auto body = json::parse(error_body(Provider::openai, 401, "invalid caller token"));
  CHECK(body["error"]["message"] == "invalid caller token");
  CHECK(body["error"]["type"] == "invalid_request_error");
  CHECK(body["error"]["code"] == "invalid_api_key");
  CHECK(body["error"].contains("param"));
}

TEST_CASE("each refusal status has its own error type", "[error_body]") {
  CHECK(error_type_for(Provider::anthropic, 403) == "permission_error");
  CHECK(error_type_for(Provider::anthropic, 404) == "not_found_error");
  CHECK(error_type_for(Provider::anthropic, 413) == "request_too_large");
  CHECK(error_type_for(Provider::anthropic, 502) == "api_error");
  CHECK(error_type_for(Provider::anthropic, 504) == "timeout_error");
  CHECK(error_type_for(Provider::openai, 502) == "server_error");
}

TEST_CASE("provider names round-trip", "[error_body]") {
  for (auto p : {Provider::anthropic, Provider::openai, Provider::generic}) {
    Provider parsed{};
    REQUIRE(parse_provider(provider_name(p), parsed));
    CHECK(parsed == p);
  }
  Provider ignored{};
  CHECK_FALSE(parse_provider("azure", ignored));
}

TEST_CASE("a message with bytes that are not UTF-8 still makes a valid JSON body", "[error_body]") {
  for (auto provider : {Provider::anthropic, Provider::openai}) {
    std::string body;
    REQUIRE_NOTHROW(body = error_body(provider, 404, "no route serves /v1/\xff\xc3"));
    CHECK_NOTHROW(nlohmann::json::parse(body));
  }
}

TEST_CASE("gemini errors use Google's error shape with the status name", "[error_body]") {
  auto body = json::parse(error_body(Provider::gemini, 401, "invalid caller token"));
  CHECK(body["error"]["code"] == 401);
  CHECK(body["error"]["message"] == "invalid caller token");
  CHECK(body["error"]["status"] == "UNAUTHENTICATED");
  CHECK(json::parse(error_body(Provider::gemini, 403, "x"))["error"]["status"] == "PERMISSION_DENIED");
  Provider parsed = Provider::generic;
  CHECK(parse_provider("gemini", parsed));
  CHECK(parsed == Provider::gemini);
}
