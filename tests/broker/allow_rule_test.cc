#include "broker/allow_rule.h"

#include <catch2/catch.hpp>

using namespace saferun::broker;

static AllowRule rule(const char* text) {
  std::string why;
  auto parsed = parse_allow_rule(text, why);
  REQUIRE(parsed);
  return *parsed;
}

TEST_CASE("an allow rule matches its method and exact path", "[allow_rule]") {
  auto r = rule("POST /v1/messages");
  CHECK(rule_allows(r, "POST", "/v1/messages"));
  CHECK_FALSE(rule_allows(r, "GET", "/v1/messages"));
  CHECK_FALSE(rule_allows(r, "POST", "/v1/messages/count_tokens"));
  CHECK_FALSE(rule_allows(r, "POST", "/v1"));
}

TEST_CASE("a star segment matches exactly one segment", "[allow_rule]") {
  auto r = rule("GET /v1/models/*");
  CHECK(rule_allows(r, "GET", "/v1/models/claude-x"));
  CHECK_FALSE(rule_allows(r, "GET", "/v1/models"));
  CHECK_FALSE(rule_allows(r, "GET", "/v1/models/a/b"));
}

TEST_CASE("a star method matches any method", "[allow_rule]") {
  auto r = rule("* /v1/files");
  CHECK(rule_allows(r, "DELETE", "/v1/files"));
}

TEST_CASE("malformed allow rules are refused with a reason", "[allow_rule]") {
  std::string why;
  for (const char* bad : {"POST", "post /v1", "POST v1/messages", "POST /v1/mod*", "POST /../x", "POST /a//b"}) {
    INFO(bad);
    CHECK_FALSE(parse_allow_rule(bad, why));
    CHECK_FALSE(why.empty());
  }
}

TEST_CASE("the first allowing rule is reported", "[allow_rule]") {
  std::vector<AllowRule> rules = {rule("GET /models"), rule("GET /models/*")};
  auto* found = find_allowing_rule(rules, "GET", "/models/gpt");
  REQUIRE(found != nullptr);
  CHECK(found->text == "GET /models/*");
  CHECK(find_allowing_rule(rules, "POST", "/models") == nullptr);
}

TEST_CASE("a *:verb segment matches one name followed by that custom method", "[allow_rule]") {
  auto r = rule("POST /v1beta/models/*:generateContent");
  CHECK(rule_allows(r, "POST", "/v1beta/models/gemini-2.5-pro:generateContent"));
  CHECK_FALSE(rule_allows(r, "POST", "/v1beta/models/m:streamGenerateContent"));
  CHECK_FALSE(rule_allows(r, "POST", "/v1beta/models/:generateContent"));
  CHECK_FALSE(rule_allows(r, "POST", "/v1beta/models/a:b:generateContent"));
  CHECK_FALSE(rule_allows(r, "POST", "/v1beta/models/m"));
  std::string why;
  CHECK_FALSE(parse_allow_rule("POST /models/*:*", why));
  CHECK_FALSE(parse_allow_rule("POST /models/a*:x", why));
  CHECK_FALSE(parse_allow_rule("POST /models/*:", why));
}

TEST_CASE("a WS rule names a WebSocket upgrade, apart from GET", "[allow_rule]") {
  auto r = rule("WS /responses");
  CHECK(rule_allows(r, "WS", "/responses"));
  CHECK_FALSE(rule_allows(r, "GET", "/responses"));
}

TEST_CASE("a rule sees a path's segments as split_path_segments lists them", "[allow_rule]") {
  CHECK(split_path_segments("/v1/models/") == std::vector<std::string_view>{"v1", "models"});
  CHECK(split_path_segments("/") == std::vector<std::string_view>{});
  CHECK(split_path_segments("//") == std::vector<std::string_view>{""});
  CHECK(split_path_segments("/a//b") == std::vector<std::string_view>{"a", "", "b"});
  CHECK(split_path_segments("") == std::vector<std::string_view>{});
  CHECK(split_path_segments("v1/models") == std::vector<std::string_view>{"v1", "models"});
  CHECK(split_path_segments("/a//") == std::vector<std::string_view>{"a", ""});
  CHECK(split_path_segments("///") == std::vector<std::string_view>{"", ""});
  CHECK(rule_allows(rule("GET /v1/models"), "GET", "v1/models"));
  CHECK_FALSE(rule_allows(rule("GET /a"), "GET", "/a//"));
  CHECK(rule_allows(rule("GET /a/*"), "GET", "/a//"));
  auto exact = rule("GET /v1/models");
  auto two_stars = rule("GET /*/*");
  for (std::string_view path : {"/v1/models", "/v1/models/", "/v1//models", "/v1/models//", "/v1", "/v1/", "/",
                                "", "//", "/v1/models/x", "v1/models"}) {
    INFO(path);
    auto segments = split_path_segments(path);
    CHECK(rule_allows(exact, "GET", path) == (segments == std::vector<std::string_view>{"v1", "models"}));
    CHECK(rule_allows(two_stars, "GET", path) == (segments.size() == 2));
  }
}
