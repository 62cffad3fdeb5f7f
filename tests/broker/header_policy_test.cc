#include "broker/header_policy.h"

#include <catch2/catch.hpp>

using namespace saferun::broker;

TEST_CASE("method and URL override headers never reach the upstream", "[header_policy]") {
  for (const char* name : {"x-http-method-override", "x-http-method", "x-method-override", "x-original-method",
                           "x-original-url", "x-rewrite-url", "x-override-url", "x-forwarded-for", "x-forwarded-host",
                           "x-forwarded-proto", "x-forwarded-prefix", "x-forwarded-path", "forwarded", "x-real-ip"}) {
    INFO(name);
    CHECK_FALSE(forwards_request_header(name, {}, "x-api-key"));
  }
  CHECK(forwards_request_header("anthropic-version", {}, "x-api-key"));
}

TEST_CASE("the client's accept-encoding is not forwarded: the broker asks for identity", "[header_policy]") {
  CHECK_FALSE(forwards_request_header("accept-encoding", {}, "x-api-key"));
}
