// upstream_idle_timeout bounds the silence between an upstream's bytes, never a whole answer:
// each upstream read gets its own deadline (broker/connection_deadline.cc), so a stream that
// keeps moving is relayed to its end however long it lasts, one that goes silent mid-way is cut,
// and a slow client is never blamed on the upstream.

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "tests/e2e/proxy_session.h"

using namespace saferun::test;

namespace {

constexpr auto kSecond = std::chrono::milliseconds(1000);

struct TimedSession {
  TimedSession()
      : session({"--config", ProxySession::write_config(dir, upstream.origin(), R"({"upstream_idle_timeout_seconds": 1})")},
                base_env({"ANTHROPIC_API_KEY=" + fake_key()})) {}
  Headers sse(int events, int interval_ms) const {
    return {{"x-api-key", session.token()},
            {"x-fake", "sse-slow"},
            {"x-fake-events", std::to_string(events)},
            {"x-fake-interval-ms", std::to_string(interval_ms)}};
  }
  TempDir dir;
  FakeUpstream upstream;
  LiveSession session;
};

int events_in(const std::string& raw) {
  int count = 0;
  for (auto at = raw.find("sent_ns"); at != std::string::npos; at = raw.find("sent_ns", at + 1)) ++count;
  return count;
}

// The body of a chunked answer, its chunks joined ("" when the framing is broken).
std::string dechunked(const std::string& raw) {
  auto at = raw.find("\r\n\r\n");
  if (at == std::string::npos) return "";
  std::string body;
  for (at += 4;;) {
    auto line_end = raw.find("\r\n", at);
    if (line_end == std::string::npos) return "";
    auto size = std::stoul(raw.substr(at, line_end - at), nullptr, 16);
    if (size == 0) return body;
    body += raw.substr(line_end + 2, size);
    at = line_end + 2 + size + 2;
  }
}

}  // namespace

TEST_CASE("a stream that keeps moving outlives upstream_idle_timeout and ends whole", "[e2e][proxy][deadline]") {
  TimedSession timed;
  REQUIRE(timed.session.ready());
  RawConnection client(timed.session.port());
  // 6 events 600 ms apart: 3 s in all, never 1 s of silence.
  client.send(request_bytes("POST", "/anthropic/v1/messages", timed.sse(6, 600), "{}", true));
  auto raw = client.read_all(15 * kSecond);
  CHECK(raw.find("HTTP/1.1 200") == 0);
  CHECK(events_in(raw) == 6);  // small events: each within one chunk
  CHECK(raw.find("\r\n0\r\n\r\n") != std::string::npos);  // the terminating chunk: a whole answer
}

TEST_CASE("a stream silent for longer than upstream_idle_timeout mid-way is cut", "[e2e][proxy][deadline]") {
  TimedSession timed;
  REQUIRE(timed.session.ready());
  RawConnection client(timed.session.port());
  auto sent = std::chrono::steady_clock::now();
  // 3 events 2.5 s apart: the first passes, then 2.5 s of silence.
  client.send(request_bytes("POST", "/anthropic/v1/messages", timed.sse(3, 2500), "{}", true));
  auto raw = client.read_all(15 * kSecond);
  auto took = std::chrono::duration<double>(std::chrono::steady_clock::now() - sent).count();
  CHECK(raw.find("HTTP/1.1 200") == 0);
  CHECK(events_in(raw) == 1);
  CHECK(raw.find("\r\n0\r\n\r\n") == std::string::npos);  // cut: no terminating chunk
  CHECK(took < 4.5);
}

TEST_CASE("a client that reads slowly is not taken for a silent upstream", "[e2e][proxy][deadline]") {
  TimedSession timed;
  REQUIRE(timed.session.ready());
  RawConnection client(timed.session.port());
  // 100,000 events sent at once (some 5 MB): the broker's writes to a client that reads nothing
  // for 2.5 s wait on it, between upstream reads that each completed at once.
  client.send(request_bytes("POST", "/anthropic/v1/messages", timed.sse(100000, 0), "{}", true));
  std::this_thread::sleep_for(2500 * std::chrono::milliseconds(1));
  auto raw = client.read_all(30 * kSecond);
  CHECK(raw.find("\r\n0\r\n\r\n") != std::string::npos);  // the terminating chunk: a whole answer
  auto responses = parse_responses(raw);
  REQUIRE(responses.size() == 1);
  CHECK(responses[0].status == 200);
  CHECK(events_in(dechunked(raw)) == 100000);
}
