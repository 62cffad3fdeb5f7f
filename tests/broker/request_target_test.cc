#include "broker/request_target.h"

#include <catch2/catch.hpp>

using namespace saferun::broker;

TEST_CASE("an origin-form target keeps its query byte for byte", "[request_target]") {
  std::string why;
  auto target = parse_request_target("/anthropic/v1/messages?beta=true&x=%20", why);
  REQUIRE(target);
  CHECK(target->path == "/anthropic/v1/messages");
  CHECK(target->has_query);
  CHECK(target->query == "beta=true&x=%20");
  CHECK(target->decoded_path == "/anthropic/v1/messages");
}

TEST_CASE("harmless percent-encoding is decoded for matching and kept for forwarding", "[request_target]") {
  std::string why;
  auto target = parse_request_target("/anthropic/v1/mess%61ges", why);
  REQUIRE(target);
  CHECK(target->path == "/anthropic/v1/mess%61ges");
  CHECK(target->decoded_path == "/anthropic/v1/messages");
}

TEST_CASE("targets that could change the origin or escape the route are refused", "[request_target]") {
  const char* attacks[] = {
      "http://evil.example/v1/messages", "//evil.example/v1/messages", "*",
      "/anthropic/../openai/v1/models",  "/anthropic/./v1/messages",  "/anthropic/%2e%2e/x",
      "/anthropic/%2E%2e/x",             "/anthropic/v1%2fmessages",  "/anthropic/v1%5cmessages",
      "/anthropic//v1/messages",         "/anthropic/v1/messages%00", "/anthropic/%zz",
      "/anthropic/%2",                   "/a\\b",                     "/anthropic/%252e%252e/x",
      "/a b",                            "/anthropic/..",             "",
  };
  for (const char* attack : attacks) {
    INFO(attack);
    std::string why;
    CHECK_FALSE(parse_request_target(attack, why));
    CHECK_FALSE(why.empty());
  }
}

TEST_CASE("a trailing slash on the whole path is accepted", "[request_target]") {
  std::string why;
  CHECK(parse_request_target("/anthropic/", why));
  CHECK(parse_request_target("/", why));
}

TEST_CASE("path parameters and non-ASCII path bytes are refused", "[request_target]") {
  for (const char* target : {"/v1/messages;x=1", "/v1/..;/admin", "/v1/%3B", "/v1/%C0%AE%C0%AE/admin", "/v1/\xc0\xae",
                             "/v1/%FF", "/v1/\xff", "/v1/%C3", "/v1/caf%C3%A9", "/v1/%E2%80%AE"}) {
    INFO(std::string(target).size());
    std::string why;
    CHECK_FALSE(saferun::broker::parse_request_target(target, why).has_value());
    CHECK_FALSE(why.empty());
  }
}
