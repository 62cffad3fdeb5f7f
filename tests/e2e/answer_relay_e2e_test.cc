// The answer's body on its way to the client: parsed straight from the upstream's read buffer,
// one read (at most 64 KiB) per step, through the secret masking. Answers of several such
// steps, sized and chunked, two at once through one broker, arrive byte for byte — with the
// key masked where it straddles a step's edge.

#include <catch2/catch.hpp>
#include <cstdio>
#include <future>
#include <optional>
#include <string>

#include "tests/e2e/raw_route_session.h"

using namespace saferun::test;

namespace {

constexpr std::size_t kStep = 64 * 1024;  // the most the broker reads from an upstream at once

// Printable bytes that differ from one answer to the next (`seed`), with `key` at offsets
// that straddle the relay's steps.
std::string answer_body(std::size_t size, char seed, const std::string& key) {
  std::string body(size, ' ');
  std::uint32_t state = static_cast<unsigned char>(seed) * 2654435761u + 1;
  for (auto& c : body) {
    state = state * 1103515245u + 12345u;
    c = static_cast<char>('a' + (state >> 16) % 26);
  }
  for (std::size_t step_edge : {kStep, 2 * kStep, 5 * kStep, 17 * kStep}) {
    if (step_edge + key.size() < size) body.replace(step_edge - key.size() / 2, key.size(), key);
  }
  return body;
}

std::string masked(std::string body, const std::string& key) {
  for (auto at = body.find(key); at != std::string::npos; at = body.find(key, at)) body.replace(at, key.size(), std::string(key.size(), '*'));
  return body;
}

// `body` in chunks of sizes cycling through `sizes`.
std::string chunked(const std::string& body, std::initializer_list<std::size_t> sizes) {
  std::string out;
  auto size = sizes.begin();
  for (std::size_t at = 0; at < body.size();) {
    auto n = std::min(*size, body.size() - at);
    char line[32];
    std::snprintf(line, sizeof line, "%zx\r\n", n);
    out += line;
    out.append(body, at, n);
    out += "\r\n";
    at += n;
    if (++size == sizes.end()) size = sizes.begin();
  }
  return out + "0\r\n\r\n";
}

// The body of a chunked answer as received, its framing taken off; nullopt when malformed.
std::optional<std::string> dechunked(const std::string& framed) {
  std::string out;
  for (std::size_t at = 0;;) {
    auto line_end = framed.find("\r\n", at);
    if (line_end == std::string::npos) return std::nullopt;
    auto n = std::stoul(framed.substr(at, line_end - at), nullptr, 16);
    if (n == 0) return out;
    if (line_end + 2 + n + 2 > framed.size()) return std::nullopt;
    out.append(framed, line_end + 2, n);
    at = line_end + 2 + n + 2;
  }
}

std::string received_body(const HttpResponse& response) {
  if (response.header("transfer-encoding") != "chunked") return response.body;
  return dechunked(response.body).value_or("(malformed chunked framing)");
}

// First differing offset, so a failure says where without printing megabytes.
std::string first_difference(const std::string& got, const std::string& want) {
  std::size_t at = 0;
  while (at < got.size() && at < want.size() && got[at] == want[at]) ++at;
  if (at == got.size() && at == want.size()) return "none";
  return "at byte " + std::to_string(at) + " of " + std::to_string(got.size()) + " received, " +
         std::to_string(want.size()) + " sent";
}

}  // namespace

TEST_CASE("multi-step answers, sized and chunked, two at once, arrive byte for byte with the key masked at step edges",
          "[e2e][proxy][relay]") {
  auto body_for = [](char seed, const std::string& key) { return answer_body(3 * 1024 * 1024 + 4321, seed, key); };
  RawRouteSession raw([&body_for](const RawUpstreamRequest& request) {
    auto key = attached_key(request.head);
    if (key.empty()) return RawUpstreamAnswer{raw_response(500, "No Key", "", "{}")};  // fails the test below
    // The script sees the head only: the answer's seed and framing come as header fields.
    auto seed_at = request.head.find("x-test-seed: ");
    if (seed_at == std::string::npos) return RawUpstreamAnswer{raw_response(500, "No Seed", "", "{}")};
    auto body = body_for(request.head[seed_at + 13], key);
    if (request.head.find("x-test-framing: sized") != std::string::npos)
      return RawUpstreamAnswer{raw_response(200, "OK", "Content-Type: text/plain\r\n", body)};
    return RawUpstreamAnswer{"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n" +
                             chunked(body, {1000, 70000, 7, 200000})};
  });
  REQUIRE(raw.session.ready());
  REQUIRE(body_for('a', raw.key).find(raw.key) != std::string::npos);
  for (const std::string framing : {"sized", "chunked"}) {
    INFO(framing);
    auto post = [&](char seed) {
      auto headers = raw.headers();
      headers.push_back({"x-test-seed", std::string(1, seed)});
      headers.push_back({"x-test-framing", framing});
      return http_request(raw.session.port(), "POST", "/anthropic/v1/messages", headers, "{}");
    };
    auto first = std::async(std::launch::async, post, 'a');
    auto second = std::async(std::launch::async, post, 'b');
    for (auto [response, seed] : {std::pair{first.get(), 'a'}, std::pair{second.get(), 'b'}}) {
      CHECK(response.status == 200);
      auto got = received_body(response);
      auto want = masked(body_for(seed, raw.key), raw.key);
      CHECK(first_difference(got, want) == "none");
      CHECK(got.find(raw.key) == std::string::npos);
    }
  }
}
