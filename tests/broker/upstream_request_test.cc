#include "broker/upstream_request.h"

#include <catch2/catch.hpp>
#include <initializer_list>
#include <string>
#include <utility>

#include "broker/ascii.h"

using namespace saferun::broker;
namespace http = boost::beast::http;

namespace {

using FieldList = std::initializer_list<std::pair<std::string_view, std::string_view>>;

// A client's HTTP/1.1 head as the request parser leaves it.
ClientHead client_head(http::verb method, std::string_view target, FieldList fields = {}) {
  ClientHead head;
  head.set_request_line(method, view(http::to_string(method)), target, 11);
  for (auto [name, value] : fields) head.add(name, value);
  return head;
}

RequestBody body_of(std::string_view bytes) {
  RequestBody body;
  body.append(bytes.data(), bytes.size());
  return body;
}

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

// The head make_upstream_request writes for `client` on the Anthropic route.
std::string forwarded_head(const ClientHead& client, std::string_view target) {
  Secret secret("sk-ant-api03-unit-test-key-0123456789");
  auto line = credential_line(anthropic_route(), secret);
  return make_upstream_request(client, {}, anthropic_route(), line, target).head;
}

}  // namespace

TEST_CASE("the forwarded request's ordinary header storage never holds the key", "[upstream_request][secrets]") {
  const std::string key = "sk-ant-api03-unit-test-key-0123456789";
  Secret secret(key);
  auto client = client_head(http::verb::post, "/anthropic/v1/messages",
                            {{"x-api-key", "srt_token"}, {"anthropic-version", "2023-06-01"}});
  auto line = credential_line(anthropic_route(), secret);
  auto upstream = make_upstream_request(client, body_of("{}"), anthropic_route(), line, "/v1/messages");
  CHECK(upstream.head.find(key) == std::string::npos);
  CHECK(upstream.head.find("Accept-Encoding: identity\r\n") != std::string::npos);
  const bool line_is_the_header = line.reveal() == "x-api-key: " + key + "\r\n";
  CHECK(line_is_the_header);
}

TEST_CASE("the forwarded head keeps the client's fields in order and drops what the broker owns", "[upstream_request]") {
  Secret secret("sk-ant-api03-unit-test-key-0123456789");
  auto client = client_head(http::verb::post, "/anthropic/v1/messages?beta=true",
                            {{"Anthropic-Version", "2023-06-01"},
                             {"x-api-key", "srt_token"},
                             {"Authorization", "Bearer srt_token"},
                             {"Connection", "keep-alive, X-Private"},
                             {"X-Private", "dropped: the Connection header names it"},
                             {"Transfer-Encoding", "chunked"},
                             {"X-Forwarded-For", "10.0.0.1"},
                             {"Host", "127.0.0.1:4000"},
                             {"Accept-Encoding", "gzip"},
                             {"Content-Type", "application/json"}});
  auto line = credential_line(anthropic_route(), secret);
  auto upstream = make_upstream_request(client, body_of("{\"a\":1}"), anthropic_route(), line, "/v1/messages?beta=true");
  CHECK(upstream.head ==
        "POST /v1/messages?beta=true HTTP/1.1\r\n"
        "Anthropic-Version: 2023-06-01\r\n"
        "Content-Type: application/json\r\n"
        "Host: api.anthropic.com\r\n"
        "Accept-Encoding: identity\r\n"
        "Content-Length: 7\r\n");
  CHECK(upstream.body.forwarded_size() == 7);
}

TEST_CASE("a field named by any of the client's Connection headers is not forwarded", "[upstream_request]") {
  auto client = client_head(http::verb::get, "/anthropic/v1/models",
                            {{"Connection", "keep-alive"},
                             {"X-Hop", "named by the second Connection header"},
                             {"Connection", "X-Hop"},
                             {"Anthropic-Version", "2023-06-01"}});
  auto head = forwarded_head(client, "/v1/models");
  CHECK(head.find("X-Hop") == std::string::npos);
  CHECK(head.find("Anthropic-Version: 2023-06-01\r\n") != std::string::npos);
}

TEST_CASE("the forwarded head states a length only when there is a body or the method implies one", "[upstream_request]") {
  Secret secret("sk-ant-api03-unit-test-key-0123456789");
  auto line = credential_line(anthropic_route(), secret);
  auto get = client_head(http::verb::get, "/anthropic/v1/models");
  CHECK(make_upstream_request(get, {}, anthropic_route(), line, "/v1/models").head.find("Content-Length") == std::string::npos);
  auto empty_post = client_head(http::verb::post, "/anthropic/v1/messages");
  CHECK(make_upstream_request(empty_post, {}, anthropic_route(), line, "/v1/messages").head.find("Content-Length: 0\r\n") !=
        std::string::npos);
  Route plain = anthropic_route();
  plain.upstream.tls = false;
  plain.upstream.port = 8080;
  auto other_port = client_head(http::verb::get, "/anthropic/v1/models");
  CHECK(make_upstream_request(other_port, {}, plain, line, "/v1/models").head.find("Host: api.anthropic.com:8080\r\n") !=
        std::string::npos);
}

TEST_CASE("an IPv6 upstream's Host is bracketed, with its port only when not the scheme's", "[upstream_request]") {
  Secret secret("sk-ant-api03-unit-test-key-0123456789");
  Route route = anthropic_route();
  route.upstream.host = "::1";
  auto line = credential_line(route, secret);
  auto get = client_head(http::verb::get, "/anthropic/v1/models");
  CHECK(make_upstream_request(get, {}, route, line, "/v1/models").head.find("Host: [::1]\r\n") != std::string::npos);
  CHECK(host_header(route.upstream) == "[::1]");
  route.upstream.tls = false;
  route.upstream.port = 8080;
  CHECK(make_upstream_request(get, {}, route, line, "/v1/models").head.find("Host: [::1]:8080\r\n") != std::string::npos);
  CHECK(host_header(route.upstream) == "[::1]:8080");
}
