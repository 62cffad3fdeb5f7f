// The request-body path through the built binary: bodies read straight into storage sized from
// Content-Length, chunked bodies, pipelining behind a body, and the broker-wide bound on
// bodies in flight (limits.max_body_bytes_in_flight).

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/e2e/proxy_session.h"

using namespace saferun::test;
using nlohmann::json;

namespace {

constexpr auto kSecond = std::chrono::seconds(1);

struct PlainSession {
  explicit PlainSession(const std::string& limits = "{}")
      : session({"--config", ProxySession::write_config(dir, upstream.origin(), limits)},
                base_env({"ANTHROPIC_API_KEY=" + fake_key()})) {}
  std::string post_bytes(const std::string& body, bool close, Headers extra = {}) const {
    Headers headers{{"x-api-key", session.token()}, {"content-type", "application/json"}};
    headers.insert(headers.end(), extra.begin(), extra.end());
    return request_bytes("POST", "/anthropic/v1/messages", headers, body, close);
  }
  TempDir dir;
  FakeUpstream upstream;
  LiveSession session;
};

std::string json_body(std::size_t size, char fill) {
  return R"({"model":"m","pad":")" + std::string(size, fill) + R"(","max_tokens":5})";
}

}  // namespace

TEST_CASE("a body trickled in small pieces is forwarded byte for byte", "[e2e][body]") {
  PlainSession plain;
  REQUIRE(plain.session.ready());
  auto body = json_body(200000, 'q');
  auto bytes = plain.post_bytes(body, true);
  RawConnection connection(plain.session.port());
  for (std::size_t at = 0; at < bytes.size(); at += 65000) {
    connection.send(bytes.substr(at, 65000));
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  auto responses = parse_responses(connection.read_all(10 * kSecond));
  REQUIRE(responses.size() == 1);
  CHECK(responses[0].status == 200);
  REQUIRE(plain.upstream.requests().size() == 1);
  CHECK(plain.upstream.requests()[0].body == body);
}

TEST_CASE("pipelined requests behind a body are each forwarded whole", "[e2e][body]") {
  PlainSession plain;
  REQUIRE(plain.session.ready());
  auto first = json_body(100000, 'a');
  auto second = json_body(10, 'b');
  auto third = json_body(70000, 'c');
  auto raw = http_exchange(plain.session.port(), plain.post_bytes(first, false) + plain.post_bytes(second, false) +
                                                     plain.post_bytes(third, true));
  auto responses = parse_responses(raw);
  REQUIRE(responses.size() == 3);
  for (const auto& response : responses) CHECK(response.status == 200);
  auto requests = plain.upstream.requests();
  REQUIRE(requests.size() == 3);
  CHECK(requests[0].body == first);
  CHECK(requests[1].body == second);
  CHECK(requests[2].body == third);
}

// A body read whole leaves the broker knowing the client's socket is empty, and its wait for
// the next request then skips Asio's first try (connection_body.cc): a request sent only after
// the answer, with no byte of it there when that wait began, must still be read at once.
TEST_CASE("a request sent after the answer to a keep-alive POST read whole is answered", "[e2e][body]") {
  PlainSession plain;
  REQUIRE(plain.session.ready());
  RawConnection connection(plain.session.port());
  connection.send(plain.post_bytes(json_body(76000, 'k'), false));
  std::string first;
  auto whole = [](const std::string& raw) {
    auto responses = parse_responses(raw);
    return responses.size() == 1 && responses[0].body.size() == std::stoul(responses[0].header("content-length"));
  };
  for (int pieces = 0; pieces < 100 && !whole(first); ++pieces) {
    auto piece = connection.read(std::chrono::milliseconds(5 * kSecond));  // slow under ThreadSanitizer
    if (!piece || piece->bytes.empty()) break;
    first += piece->bytes;
  }
  REQUIRE(whole(first));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the broker waits, its socket empty
  const auto second = json_body(76000, 'l');
  connection.send(plain.post_bytes(second, true));
  auto responses = parse_responses(connection.read_all(5 * kSecond));  // a lost edge: nothing comes
  REQUIRE(responses.size() == 1);
  CHECK(responses[0].status == 200);
  REQUIRE(plain.upstream.requests().size() == 2);
  CHECK(plain.upstream.requests()[1].body == second);
}

TEST_CASE("a chunked request body is forwarded whole with its length", "[e2e][body]") {
  PlainSession plain;
  REQUIRE(plain.session.ready());
  auto body = json_body(50000, 'z');
  std::string head = "POST /anthropic/v1/messages HTTP/1.1\r\nHost: x\r\nx-api-key: " + plain.session.token() +
                     "\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
  std::string chunked;
  for (std::size_t at = 0; at < body.size(); at += 7000) {
    auto piece = body.substr(at, 7000);
    char size[16];
    std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
    chunked += size + piece + "\r\n";
  }
  auto responses = parse_responses(http_exchange(plain.session.port(), head + chunked + "0\r\n\r\n"));
  REQUIRE(responses.size() == 1);
  CHECK(responses[0].status == 200);
  REQUIRE(plain.upstream.requests().size() == 1);
  CHECK(plain.upstream.requests()[0].body == body);
  CHECK(plain.upstream.requests()[0].header("content-length") == std::to_string(body.size()));
}

// Body A is held while the upstream stalls before answering it; body B does not fit beside it.
// With the bound B is forwarded only once A's answer began; without it, while A still stalls.
TEST_CASE("a body past max_body_bytes_in_flight waits until the held one is answered", "[e2e][body]") {
  auto run = [](const std::string& limits) {
    PlainSession plain(limits);
    REQUIRE(plain.session.ready());
    RawConnection a(plain.session.port());
    a.send(plain.post_bytes(json_body(80000, 'a'), true, {{"x-fake", "stall"}, {"x-fake-stall-ms", "1500"}}));
    for (int i = 0; i < 200 && plain.upstream.requests().empty(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    REQUIRE(plain.upstream.requests().size() == 1);
    auto b = parse_responses(http_exchange(plain.session.port(), plain.post_bytes(json_body(80000, 'b'), true)));
    REQUIRE(b.size() == 1);
    CHECK(b[0].status == 200);
    bool a_answered_before_b = a.read(std::chrono::milliseconds(0)).has_value();
    auto a_responses = parse_responses(a.read_all(10 * kSecond));
    return a_answered_before_b;
  };
  CHECK(run(R"({"max_body_bytes_in_flight": 100000})"));
  CHECK_FALSE(run("{}"));  // negative control: the default bound holds both at once
}
