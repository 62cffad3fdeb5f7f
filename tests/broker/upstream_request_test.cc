#include "broker/upstream_request.h"

#include <catch2/catch.hpp>
#include <string>

using namespace saferun::broker;

namespace {

Route anthropic_route() {
  Route route;
  route.name = "anthropic";
  route.base_path = "/anthropic";
  route.upstream.host = "api.anthropic.com";
  route.upstream.port = 443;
  route.upstream.tls = true;
  route.credential = {"x-api-key", "", ""};
  return route;
}

}  // namespace

TEST_CASE("the forwarded request's ordinary header storage never holds the key", "[upstream_request][secrets]") {
  const std::string key = "sk-ant-api03-unit-test-key-0123456789";
  Secret secret(key);
  ClientRequest client{boost::beast::http::verb::post, "/anthropic/v1/messages", 11};
  client.set("x-api-key", "srt_token");
  client.set("anthropic-version", "2023-06-01");
  client.body().append("{}", 2);
  auto line = credential_line(anthropic_route(), secret);
  auto upstream = make_upstream_request(client, anthropic_route(), line, "/v1/messages");
  for (const auto& field : upstream.message) {
    auto value = field.value();
    CHECK(std::string(value.data(), value.size()).find(key) == std::string::npos);
  }
  CHECK(upstream.head.find(key) == std::string::npos);
  CHECK(upstream.head.find("Accept-Encoding: identity\r\n") != std::string::npos);
  const bool line_is_the_header = line.reveal() == "x-api-key: " + key + "\r\n";
  CHECK(line_is_the_header);
}
