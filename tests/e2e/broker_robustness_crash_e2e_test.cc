// Requests and upstream answers that used to end the session: bytes that are not UTF-8 in a
// path or query (the JSON error body threw out of the event loop), and a held secret in an
// upstream's response header (a use-after-free in the masking loop). Each must get an answer
// and leave the broker serving.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/e2e/raw_route_session.h"

using namespace saferun::test;
using nlohmann::json;

namespace {

bool serves_status(const LiveSession& session) {
  return http_request(session.port(), "GET", "/_safe-run/status", {{"x-api-key", session.token()}}).status == 200;
}

}  // namespace

TEST_CASE("a path that is not UTF-8 gets a 400 JSON answer and the session keeps serving", "[e2e][robustness]") {
  ProxySession proxy;
  REQUIRE(proxy.session->ready());
  for (const char* target : {"/anthropic/v1/%FF", "/anthropic/v1/\xff", "/anthropic/v1/%C3", "/anthropic/v1/%C0%AE%C0%AE",
                             "/nope/\xc3", "/anthropic/v1/messages/\xe2\x82"}) {
    INFO("target bytes " << json(std::string(target)).dump(-1, ' ', false, json::error_handler_t::replace));
    auto response = http_request(proxy.port(), "POST", target, proxy.anthropic_headers(), "{}");
    CHECK(response.status == 400);
    CHECK_NOTHROW(json::parse(response.body));
    REQUIRE(serves_status(*proxy.session));
  }
  auto result = proxy.session->end();
  CHECK(result.status == 0);
}

TEST_CASE("a dry-run query that is not UTF-8 is described, and the session keeps serving", "[e2e][robustness]") {
  LiveSession session({"--dry-run"}, base_env({"ANTHROPIC_API_KEY=" + fake_key()}));
  REQUIRE(session.ready());
  auto response = http_request(session.port(), "POST", "/anthropic/v1/messages?beta=\xff\xfe",
                               {{"x-api-key", session.token()}}, "{\"a\":\"\xff\"}");
  CHECK(response.status / 100 != 5);
  CHECK(response.status != 0);
  REQUIRE(serves_status(session));
  CHECK(session.end().status == 0);
}

TEST_CASE("a secret reflected in an upstream header value, name or reason phrase never reaches the client",
          "[e2e][robustness][secrets]") {
  std::string key_seen;
  RawRouteSession raw([&](const RawUpstreamRequest& request) {
    auto key = attached_key(request.head);
    return RawUpstreamAnswer{"HTTP/1.1 302 Found " + key + "\r\nLocation: https://elsewhere.example/?k=" + key +
                             "\r\nLink: <https://x/" + key + ">; rel=preload\r\nX-" + key + ": 1\r\nX-Echo: " + key +
                             " " + key + "\r\nContent-Length: 2\r\n\r\nok"};
  });
  REQUIRE(raw.session.ready());
  for (int i = 0; i < 3; ++i) {
    auto bytes = http_exchange(raw.session.port(), request_bytes("POST", "/anthropic/v1/messages", raw.headers(), "{}", true));
    auto responses = parse_responses(bytes);
    REQUIRE(responses.size() == 1);
    CHECK(responses[0].status == 302);
    CHECK_FALSE(contains(bytes, raw.key));
    CHECK(contains(responses[0].header("location"), "https://elsewhere.example/?k="));
  }
  REQUIRE(serves_status(raw.session));
  auto result = raw.session.end();
  CHECK(result.status == 0);
  CHECK_FALSE(contains(result.out + result.err, raw.key));
}
