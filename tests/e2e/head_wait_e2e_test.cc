// How the broker waits for a request head (broker/connection_head.cc): header_timeout counts
// from when the wait began — an idle keep-alive connection and a head sent late or in pieces
// are closed then — while an answer that takes longer than header_timeout is never cut by it,
// and a request pipelined behind a slow answer is answered after it.

#include <catch2/catch.hpp>
#include <chrono>
#include <mutex>
#include <string>
#include <vector>
#include <thread>

#include "tests/e2e/raw_route_session.h"

using namespace saferun::test;

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kSecond = std::chrono::milliseconds(1000);

RawUpstream::Script answers_after(int hold_ms) {
  return [hold_ms](const RawUpstreamRequest&) {
    RawUpstreamAnswer answer = {raw_response(200, "OK", "", "{\"ok\":true}")};
    answer.hold_ms = hold_ms;
    return answer;
  };
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Reads until the broker closes the connection (or 10 s pass): when it closed, and what came.
std::pair<double, std::string> read_until_closed(RawConnection& client, Clock::time_point start) {
  std::string got;
  while (seconds_since(start) < 10) {
    auto piece = client.read(kSecond / 10);
    if (!piece) continue;
    if (piece->bytes.empty()) return {seconds_since(start), got};
    got += piece->bytes;
  }
  return {99, got};
}

}  // namespace

TEST_CASE("an idle keep-alive connection is closed header_timeout after its last answer", "[e2e][head_wait]") {
  RawRouteSession raw(answers_after(0), R"({"header_timeout_seconds": 2})");
  REQUIRE(raw.session.ready());
  RawConnection client(raw.session.port());
  client.send(request_bytes("POST", "/anthropic/v1/messages", raw.headers(), "{}", false));
  std::string answer;
  while (parse_responses(answer).empty()) {
    auto piece = client.read(5 * kSecond);
    REQUIRE(piece);
    REQUIRE_FALSE(piece->bytes.empty());
    answer += piece->bytes;
  }
  auto answered = Clock::now();
  CHECK(parse_responses(answer)[0].status == 200);
  auto [closed_after, more] = read_until_closed(client, answered);
  CHECK(more.empty());
  CHECK(closed_after > 1.5);
  CHECK(closed_after < 4.0);
}

TEST_CASE("a head sent late and in pieces is cut header_timeout after the wait began, not after its first byte",
          "[e2e][head_wait]") {
  RawRouteSession raw(answers_after(0), R"({"header_timeout_seconds": 2})");
  REQUIRE(raw.session.ready());
  RawConnection client(raw.session.port());
  auto connected = Clock::now();
  std::this_thread::sleep_for(kSecond * 12 / 10);
  client.send("POST /anthropic/v1/mess");
  std::this_thread::sleep_for(kSecond / 2);
  client.send("ages HTTP/1.1\r\nHost: x\r\n");
  auto [closed_after, got] = read_until_closed(client, connected);
  // A deadline restarted by the first byte would close at 3.2 s at the earliest.
  CHECK(closed_after > 1.5);
  CHECK(closed_after < 3.1);
  CHECK(raw.upstream.requests() == 0);
}

TEST_CASE("an answer slower than header_timeout is relayed whole, and the connection serves on", "[e2e][head_wait]") {
  RawRouteSession raw(answers_after(2500), R"({"header_timeout_seconds": 1})");
  REQUIRE(raw.session.ready());
  RawConnection client(raw.session.port());
  for (int round = 0; round < 2; ++round) {
    client.send(request_bytes("POST", "/anthropic/v1/messages", raw.headers(), "{}", false));
    std::string answer;
    auto sent = Clock::now();
    while (parse_responses(answer).empty() && seconds_since(sent) < 10) {
      auto piece = client.read(kSecond);
      if (!piece) continue;
      REQUIRE_FALSE(piece->bytes.empty());  // never closed while the answer is awaited
      answer += piece->bytes;
    }
    auto responses = parse_responses(answer);
    REQUIRE(responses.size() == 1);
    CHECK(responses[0].status == 200);
    CHECK(responses[0].body == "{\"ok\":true}");
  }
  CHECK(raw.upstream.requests() == 2);
}

// The scripted upstream is not shown request bodies; the two requests differ in length instead.
bool has_length(const RawUpstreamRequest& request, int length) {
  return request.head.find("Content-Length: " + std::to_string(length) + "\r\n") != std::string::npos;
}

TEST_CASE("a request pipelined behind a slow answer is answered after it, on the same connection",
          "[e2e][head_wait]") {
  std::mutex seen_lock;
  std::vector<int> lengths;  // of the requests, in the order the upstream got them
  RawRouteSession raw([&](const RawUpstreamRequest& request) {
    std::lock_guard<std::mutex> lock(seen_lock);
    lengths.push_back(has_length(request, 7) ? 7 : has_length(request, 8) ? 8 : 0);
    RawUpstreamAnswer answer = {raw_response(200, "OK", "", "{\"index\":" + std::to_string(request.index) + "}")};
    answer.hold_ms = 300;
    return answer;
  });
  REQUIRE(raw.session.ready());
  RawConnection client(raw.session.port());
  client.send(request_bytes("POST", "/anthropic/v1/messages", raw.headers(), "{\"n\":1}", false));
  std::this_thread::sleep_for(kSecond / 10);  // the first is with the upstream: the second arrives mid-exchange
  client.send(request_bytes("POST", "/anthropic/v1/messages", raw.headers(), "{\"n\":22}", true));
  auto [closed_after, got] = read_until_closed(client, Clock::now());
  auto responses = parse_responses(got);
  REQUIRE(responses.size() == 2);
  CHECK(responses[0].body == "{\"index\":0}");
  CHECK(responses[1].body == "{\"index\":1}");
  std::lock_guard<std::mutex> lock(seen_lock);
  CHECK(lengths == std::vector<int>{7, 8});
}

TEST_CASE("a request pipelined behind one the broker answers itself (a 504) is answered next", "[e2e][head_wait]") {
  RawRouteSession raw(
      [](const RawUpstreamRequest& request) {
        RawUpstreamAnswer answer = {raw_response(200, "OK", "", "{\"index\":" + std::to_string(request.index) + "}")};
        if (request.index == 0) answer.hold_ms = 2500;  // past upstream_idle_timeout
        return answer;
      },
      R"({"upstream_idle_timeout_seconds": 1})");
  REQUIRE(raw.session.ready());
  RawConnection client(raw.session.port());
  client.send(request_bytes("POST", "/anthropic/v1/messages", raw.headers(), "{\"n\":1}", false));
  std::this_thread::sleep_for(kSecond / 10);
  client.send(request_bytes("POST", "/anthropic/v1/messages", raw.headers(), "{\"n\":22}", true));
  auto [closed_after, got] = read_until_closed(client, Clock::now());
  auto responses = parse_responses(got);
  REQUIRE(responses.size() == 2);
  CHECK(responses[0].status == 504);
  CHECK(responses[1].status == 200);
  CHECK(responses[1].body == "{\"index\":1}");
}
