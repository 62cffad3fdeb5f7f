// Proxy mode against a TLS fake upstream: the credential swap, header policy, streaming,
// pooling, and every way an upstream can fail.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "tests/e2e/proxy_session.h"

using namespace saferun::test;
using nlohmann::json;

namespace {

constexpr auto kSecond = std::chrono::seconds(1);

// (arrival ns, sent ns) of each sse-slow event, read from a raw connection until it closes.
std::vector<std::pair<std::int64_t, std::int64_t>> timed_events(RawConnection& connection) {
  static const std::regex kSent("\"sent_ns\":([0-9]+)");
  std::vector<std::pair<std::int64_t, std::int64_t>> events;
  for (int i = 0; i < 200; ++i) {
    auto piece = connection.read(10 * kSecond);
    if (!piece || piece->bytes.empty()) break;
    for (std::sregex_iterator it(piece->bytes.begin(), piece->bytes.end(), kSent), end; it != end; ++it)
      events.emplace_back(piece->at_ns, std::stoll((*it)[1].str()));
    if (piece->bytes.find("0\r\n\r\n") != std::string::npos) break;
  }
  return events;
}

}  // namespace

TEST_CASE("the upstream receives the real key and never the caller token", "[e2e][proxy]") {
  ProxySession proxy;
  REQUIRE(proxy.session->ready());
  auto headers = proxy.anthropic_headers();
  headers.insert(headers.end(), {{"Authorization", "Bearer " + proxy.token()}, {"anthropic-beta", "tools-2024"},
                                 {"x-stainless-lang", "js"}, {"cookie", "session=1"}, {"Connection", "close, x-drop-me"},
                                 {"x-drop-me", "1"}});
  auto raw = http_exchange(proxy.port(), request_bytes("POST", "/anthropic/v1/messages?beta=true", headers,
                                                       R"({"model":"m"})", /*close=*/false));
  auto responses = parse_responses(raw);
  REQUIRE(responses.size() == 1);
  const auto& response = responses[0];
  REQUIRE(response.status == 200);
  CHECK(json::parse(response.body)["content"][0]["text"] == "Hello from fake");
  auto requests = proxy.upstream.requests();
  REQUIRE(requests.size() == 1);
  const auto& seen = requests[0];
  CHECK(seen.target == "/anthropic/v1/messages?beta=true");
  CHECK(same_secret(seen.header("x-api-key"), proxy.anthropic_key));
  CHECK(seen.header("host") == "localhost:" + std::to_string(proxy.upstream.port()));
  CHECK(seen.header("anthropic-version") == "2023-06-01");
  CHECK(seen.header("anthropic-beta") == "tools-2024");
  CHECK(seen.header("x-stainless-lang") == "js");
  CHECK(seen.body == R"({"model":"m"})");
  for (const char* dropped : {"authorization", "cookie", "x-drop-me"}) {
    INFO(dropped);
    CHECK(seen.header(dropped).empty());
  }
  CHECK_FALSE(proxy.upstream.received_bytes(proxy.token()));
  auto result = proxy.session->end();
  CHECK(result.status == 0);
  CHECK_FALSE(contains(result.out + result.err, proxy.anthropic_key));
  CHECK_FALSE(contains(result.err, proxy.token()));  // stdout is the child's, which prints its token
}

TEST_CASE("the openai route attaches the key as a Bearer under the upstream's base path", "[e2e][proxy]") {
  ProxySession proxy;
  REQUIRE(proxy.session->ready());
  auto response = http_request(proxy.port(), "POST", "/openai/v1/chat/completions", proxy.openai_headers(), "{}");
  REQUIRE(response.status == 200);
  auto requests = proxy.upstream.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].target == "/openai/v1/chat/completions");
  CHECK(same_secret(requests[0].header("authorization"), "Bearer " + proxy.openai_key));
  CHECK_FALSE(proxy.upstream.received_bytes(proxy.anthropic_key));
}

TEST_CASE("SSE events 200 ms apart arrive 150 ms apart or more, each within 100 ms", "[e2e][proxy][stream]") {
  ProxySession proxy;
  REQUIRE(proxy.session->ready());
  RawConnection connection(proxy.port());
  auto headers = proxy.anthropic_headers();
  headers.push_back({"x-fake", "sse-slow"});
  connection.send(request_bytes("POST", "/anthropic/v1/messages", headers, "{}", true));
  auto events = timed_events(connection);
  REQUIRE(events.size() == 5);
  for (std::size_t i = 0; i < events.size(); ++i) {
    INFO("event " << i);
    CHECK(events[i].first - events[i].second < 100'000'000);
    if (i > 0) CHECK(events[i].first - events[i - 1].first >= 150'000'000);
  }
}

TEST_CASE("a client that disconnects mid-stream closes the upstream request within a second", "[e2e][proxy][stream]") {
  ProxySession proxy;
  REQUIRE(proxy.session->ready());
  RawConnection connection(proxy.port());
  auto headers = proxy.anthropic_headers();
  headers.insert(headers.end(), {{"x-fake", "sse-slow"}, {"x-fake-events", "100"}, {"x-fake-interval-ms", "100"}});
  connection.send(request_bytes("POST", "/anthropic/v1/messages", headers, "{}", true));
  std::string seen;
  while (seen.find("\"seq\":1") == std::string::npos) {
    auto piece = connection.read(5 * kSecond);
    REQUIRE(piece);
    REQUIRE_FALSE(piece->bytes.empty());
    seen += piece->bytes;
  }
  auto closed_at = monotonic_ns();
  connection.close();
  for (int i = 0; i < 300 && proxy.upstream.aborted_streams() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  REQUIRE(proxy.upstream.aborted_streams() == 1);
  CHECK(proxy.upstream.last_abort_ns() - closed_at < 1'000'000'000);
}

TEST_CASE("the upstream is asked for identity encoding, and a gzip answer is refused unscanned", "[e2e][proxy]") {
  ProxySession proxy;
  REQUIRE(proxy.session->ready());
  auto headers = proxy.anthropic_headers();
  headers.insert(headers.end(), {{"x-fake", "gzip"}, {"accept-encoding", "gzip, deflate"}});
  auto response = http_request(proxy.port(), "POST", "/anthropic/v1/messages", headers, "{}");
  // The fake compresses whatever it is asked: the broker cannot scan that for the key.
  CHECK(response.status == 502);
  CHECK(response.header("content-encoding").empty());
  CHECK(proxy.upstream.requests().at(0).header("accept-encoding") == "identity");
}

TEST_CASE("a 429 keeps retry-after, request-id and rate-limit headers", "[e2e][proxy]") {
  ProxySession proxy;
  REQUIRE(proxy.session->ready());
  auto headers = proxy.anthropic_headers();
  headers.push_back({"x-fake", "429"});
  auto response = http_request(proxy.port(), "POST", "/anthropic/v1/messages", headers, "{}");
  CHECK(response.status == 429);
  CHECK(response.header("retry-after") == "7");
  CHECK(response.header("request-id") == "req_fake_429");
  CHECK(response.header("anthropic-ratelimit-requests-remaining") == "0");
  CHECK(response.header("x-ratelimit-remaining-requests") == "0");
}

TEST_CASE("a redirect to another origin is returned, never followed", "[e2e][proxy]") {
  ProxySession proxy;
  REQUIRE(proxy.session->ready());
  FakeUpstream elsewhere;
  auto headers = proxy.anthropic_headers();
  headers.insert(headers.end(), {{"x-fake", "redirect"}, {"x-fake-location", elsewhere.origin() + "/steal"}});
  auto response = http_request(proxy.port(), "POST", "/anthropic/v1/messages", headers, "{}");
  CHECK(response.status == 307);
  CHECK(response.header("location") == elsewhere.origin() + "/steal");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK(elsewhere.requests().empty());
}

TEST_CASE("a 20 MB body is forwarded whole", "[e2e][proxy]") {
  ProxySession proxy;
  REQUIRE(proxy.session->ready());
  auto headers = proxy.anthropic_headers();
  headers.push_back({"x-fake", "echo"});
  std::string body(20u << 20, 'b');
  body.front() = '{';
  body.back() = '}';
  auto response = http_request(proxy.port(), "POST", "/anthropic/v1/messages", headers, body);
  REQUIRE(response.status == 200);
  CHECK(json::parse(response.body)["body_bytes"] == body.size());
  CHECK(proxy.upstream.requests().at(0).body == body);
}

TEST_CASE("100 sequential requests cost one upstream TLS handshake", "[e2e][proxy][pool]") {
  ProxySession proxy;
  REQUIRE(proxy.session->ready());
  for (int i = 0; i < 100; ++i) {
    auto response = http_request(proxy.port(), "POST", "/anthropic/v1/messages", proxy.anthropic_headers(), "{}");
    REQUIRE(response.status == 200);
  }
  CHECK(proxy.upstream.connections() == 1);
  auto status = json::parse(http_request(proxy.port(), "GET", "/_safe-run/status", proxy.openai_headers()).body);
  CHECK(status["upstream"]["tls_handshakes"] == 1);
}

TEST_CASE("concurrent streams each get their own upstream connection", "[e2e][proxy][pool]") {
  ProxySession proxy;
  REQUIRE(proxy.session->ready());
  auto headers = proxy.anthropic_headers();
  headers.insert(headers.end(), {{"x-fake", "sse-slow"}, {"x-fake-events", "3"}, {"x-fake-interval-ms", "300"}});
  RawConnection first(proxy.port());
  RawConnection second(proxy.port());
  first.send(request_bytes("POST", "/anthropic/v1/messages", headers, "{}", true));
  second.send(request_bytes("POST", "/anthropic/v1/messages", headers, "{}", true));
  auto a = first.read_all(10 * kSecond);
  auto b = second.read_all(10 * kSecond);
  CHECK(contains(a, "\"seq\":2"));
  CHECK(contains(b, "\"seq\":2"));
  CHECK(proxy.upstream.connections() == 2);
}

TEST_CASE("an upstream that is down is a 502 in the provider's shape", "[e2e][proxy][failure]") {
  TempDir dir;
  std::uint16_t closed_port;
  {
    FakeUpstream doomed;
    closed_port = doomed.port();
  }
  auto key = fake_key("sk-ant-");
  LiveSession session({}, base_env({"ANTHROPIC_BASE_URL=http://127.0.0.1:" + std::to_string(closed_port),
                                    "ANTHROPIC_API_KEY=" + key}));
  REQUIRE(session.ready());
  auto response = http_request(session.port(), "POST", "/anthropic/v1/messages", {{"x-api-key", session.token()}}, "{}");
  CHECK(response.status == 502);
  auto body = json::parse(response.body);
  CHECK(body["type"] == "error");
  CHECK(body["error"]["type"] == "api_error");
  CHECK_FALSE(contains(response.body, key));
}

TEST_CASE("a stalled upstream is a 504", "[e2e][proxy][failure]") {
  TempDir dir;
  auto certificates = make_test_certificates(dir.path());
  FakeUpstream upstream(certificates);
  auto config = ProxySession::write_config(dir, upstream.origin(), R"({"upstream_idle_timeout_seconds": 1})");
  LiveSession session({"--config", config},
                      base_env({"ANTHROPIC_API_KEY=" + fake_key(), "SSL_CERT_FILE=" + certificates.ca_file}));
  REQUIRE(session.ready());
  auto response = http_request(session.port(), "POST", "/anthropic/v1/messages",
                               {{"x-api-key", session.token()}, {"x-fake", "stall"}, {"x-fake-stall-ms", "3000"}}, "{}");
  CHECK(response.status == 504);
  CHECK(json::parse(response.body)["error"]["type"] == "timeout_error");
}

TEST_CASE("an upstream that dies mid-stream cuts the client connection", "[e2e][proxy][failure]") {
  ProxySession proxy;
  REQUIRE(proxy.session->ready());
  RawConnection connection(proxy.port());
  auto headers = proxy.anthropic_headers();
  headers.push_back({"x-fake", "drop"});
  connection.send(request_bytes("POST", "/anthropic/v1/messages", headers, "{}", false));
  auto raw = connection.read_all(10 * kSecond);
  CHECK(contains(raw, "HTTP/1.1 200"));
  CHECK(contains(raw, "partial"));
  CHECK_FALSE(contains(raw, "\r\n0\r\n\r\n"));  // no terminating chunk: the client sees an error
}

TEST_CASE("an upstream that reflects request headers does not hand the client the key", "[e2e][proxy][secrets]") {
  ProxySession proxy;
  REQUIRE(proxy.session->ready());
  auto headers = proxy.anthropic_headers();
  headers.push_back({"x-fake", "reflect"});
  auto response = http_request(proxy.port(), "POST", "/anthropic/v1/messages", headers, "{}");
  CHECK(response.status == 400);
  CHECK(contains(response.body, "x-api-key: ****"));
  CHECK_FALSE(contains(response.body, proxy.anthropic_key));
}

TEST_CASE("an upstream certificate from an untrusted CA is a 502 and gets nothing", "[e2e][proxy][failure]") {
  ProxySession proxy({{}, {}, /*trust_test_ca=*/false});
  REQUIRE(proxy.session->ready());
  auto response = http_request(proxy.port(), "POST", "/anthropic/v1/messages", proxy.anthropic_headers(), "{}");
  CHECK(response.status == 502);
  CHECK(proxy.upstream.requests().empty());
}

TEST_CASE("a route's ca_file is trusted for its upstream", "[e2e][proxy]") {
  TempDir dir;
  auto certificates = make_test_certificates(dir.path());
  FakeUpstream upstream(certificates);
  auto config_text = read_file(ProxySession::write_config(dir, upstream.origin(), "{}"));
  config_text.replace(config_text.find("\"provider\""), 0, "\"ca_file\": \"" + certificates.ca_file + "\", ");
  auto config = dir.write("with-ca.json", config_text);
  LiveSession session({"--config", config}, base_env({"ANTHROPIC_API_KEY=" + fake_key()}));
  REQUIRE(session.ready());
  CHECK(http_request(session.port(), "POST", "/anthropic/v1/messages", {{"x-api-key", session.token()}}, "{}").status == 200);
}

TEST_CASE("targets that try to leave the route never reach the upstream", "[e2e][proxy][secrets]") {
  ProxySession proxy;
  REQUIRE(proxy.session->ready());
  for (const char* target : {"http://elsewhere.example/anthropic/v1/messages", "//elsewhere.example/v1/messages",
                             "/anthropic/../openai/v1/chat/completions", "/anthropic/%2e%2e/openai/v1/chat/completions",
                             "/anthropic/v1/messages/..", "/anthropic/v1%2Fmessages"}) {
    INFO(target);
    CHECK(http_request(proxy.port(), "POST", target, proxy.anthropic_headers(), "{}").status == 400);
  }
  CHECK(http_request(proxy.port(), "GET", "/anthropic/v1/files", proxy.anthropic_headers()).status == 403);
  CHECK(proxy.upstream.requests().empty());
}

TEST_CASE("the preconnect HEAD is answered by the broker, not the upstream", "[e2e][proxy]") {
  ProxySession proxy;
  REQUIRE(proxy.session->ready());
  CHECK(http_request(proxy.port(), "HEAD", "/anthropic").status == 200);
  CHECK(proxy.upstream.requests().empty());
}

TEST_CASE("a WebSocket upgrade is refused at once", "[e2e][proxy]") {
  ProxySession proxy;
  REQUIRE(proxy.session->ready());
  auto headers = proxy.openai_headers();
  headers.insert(headers.end(), {{"Upgrade", "websocket"}, {"Connection", "Upgrade"}, {"Sec-WebSocket-Version", "13"},
                                 {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}});
  auto response = http_request(proxy.port(), "POST", "/openai/v1/responses", headers, "{}");
  CHECK(response.status == 501);
  CHECK(proxy.upstream.requests().empty());
}

TEST_CASE("forwarded requests are audited with the upstream's status", "[e2e][proxy]") {
  ProxySession proxy;
  REQUIRE(proxy.session->ready());
  auto headers = proxy.anthropic_headers();
  headers.push_back({"x-fake", "429"});
  http_request(proxy.port(), "POST", "/anthropic/v1/messages", headers, "{}");
  auto audit = read_audit_log(proxy.session->session_dir() + "/events.jsonl");
  auto event = json::parse(audit.substr(0, audit.find('\n')));
  CHECK(event["status"] == 429);
  CHECK(event["decision"] == "allowed");
  CHECK_FALSE(contains(audit, proxy.anthropic_key));
}

TEST_CASE("clients that vanish mid-exchange leave the broker serving", "[e2e][proxy][stream]") {
  // Regression: an upstream read completing after the client had gone used the freed
  // connection (found by ASan under wrk). Run under the sanitizers in CI.
  ProxySession proxy;
  REQUIRE(proxy.session->ready());
  auto headers = proxy.anthropic_headers();
  headers.insert(headers.end(), {{"x-fake", "sse-slow"}, {"x-fake-events", "3"}, {"x-fake-interval-ms", "5"}});
  for (int i = 0; i < 60; ++i) {
    RawConnection connection(proxy.port());
    connection.send(request_bytes("POST", "/anthropic/v1/messages", headers, "{}", false));
    if (i % 2 == 0) connection.read(kSecond);  // half of them leave after the head, half at once
  }
  auto response = http_request(proxy.port(), "POST", "/anthropic/v1/messages", proxy.anthropic_headers(), "{}");
  CHECK(response.status == 200);
}

TEST_CASE("the audit log counts a forwarded request's body in bytes_in", "[e2e][proxy]") {
  ProxySession proxy;
  REQUIRE(proxy.session->ready());
  std::string body(5000, 'x');
  http_request(proxy.port(), "POST", "/anthropic/v1/messages", proxy.anthropic_headers(), body);
  auto audit = read_audit_log(proxy.session->session_dir() + "/events.jsonl");
  auto event = json::parse(audit.substr(0, audit.find('\n')));
  CHECK(event["bytes_in"].get<std::uint64_t>() > body.size());
  CHECK(event["bytes_out"].get<std::uint64_t>() > 0);
}
