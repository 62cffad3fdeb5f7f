// Framing in both directions: a request the broker cannot frame exactly is refused and the
// connection closed; a request is never sent upstream twice; an upstream's early answer or
// broken first chunk reaches the client as an answer, not as silence; and a compressed answer
// cannot carry the key past the masking.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/e2e/raw_route_session.h"
#include "tests/support/fake_upstream.h"

using namespace saferun::test;
using nlohmann::json;

namespace {

RawUpstreamAnswer ok_answer() { return {raw_response(200, "OK", "", "{\"ok\":true}")}; }

}  // namespace

TEST_CASE("a Transfer-Encoding other than a final chunked is a 400 and the connection closes",
          "[e2e][robustness][framing]") {
  RawRouteSession raw([](const RawUpstreamRequest&) { return ok_answer(); });
  REQUIRE(raw.session.ready());
  for (const char* coding : {"identity", "xchunked", "chunked, gzip", "gzip", "chunked, chunked", "chunked\r\nTransfer-Encoding: identity"}) {
    INFO(coding);
    std::string smuggled = "POST /anthropic/v1/messages HTTP/1.1\r\nHost: x\r\nx-api-key: " + raw.session.token() +
                           "\r\nContent-Length: 0\r\n\r\n";
    std::string chunk = std::to_string(smuggled.size()) + "\r\n" + smuggled + "\r\n0\r\n\r\n";
    auto bytes = http_exchange(raw.session.port(), "POST /anthropic/v1/messages HTTP/1.1\r\nHost: x\r\nx-api-key: " +
                                                       raw.session.token() + "\r\nTransfer-Encoding: " + coding +
                                                       "\r\n\r\n" + chunk, std::chrono::seconds(5));
    auto responses = parse_responses(bytes);
    REQUIRE(responses.size() == 1);
    CHECK(responses[0].status == 400);
  }
  CHECK(raw.upstream.requests() == 0);
  CHECK(raw.post().status == 200);
}

TEST_CASE("a chunk-size line or trailer longer than the header limit is a 400 at once, not buffered until the deadline",
          "[e2e][robustness][framing]") {
  // Neither is bounded by Beast: unbounded, the broker would hold it, growing, for the body's 60 s.
  RawRouteSession raw([](const RawUpstreamRequest&) { return ok_answer(); }, R"({"max_header_bytes": 16384})");
  REQUIRE(raw.session.ready());
  const std::string head = "POST /anthropic/v1/messages HTTP/1.1\r\nHost: x\r\nx-api-key: " + raw.session.token() +
                           "\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (const std::string& endless : {"2;ext=" + std::string(100000, 'e'), "2\r\n{}\r\n0\r\nX-Long: " + std::string(100000, 't')}) {
    INFO(endless.substr(0, 24));
    RawConnection client(raw.session.port());
    REQUIRE(client.connected());
    client.send(head + endless);  // no line end: the line goes on
    auto answer = client.read_all(std::chrono::seconds(10));
    auto responses = parse_responses(answer);
    REQUIRE(responses.size() == 1);
    CHECK(responses[0].status == 400);
    CHECK(contains(responses[0].body, "over the broker's read buffer of 24576 bytes"));
  }
  CHECK(raw.upstream.requests() == 0);
  CHECK(raw.post().status == 200);
  // What the cap must not touch: heads near the limit, a long chunk extension, and pipelined
  // requests adding up to more than the buffer holds, all in one write.
  std::string pipelined;
  for (int i = 0; i < 3; ++i) {
    pipelined += "POST /anthropic/v1/messages HTTP/1.1\r\nHost: x\r\nx-api-key: " + raw.session.token() +
                 "\r\nX-Filler: " + std::string(15000, 'f') + "\r\nTransfer-Encoding: chunked\r\n\r\n2;ext=" +
                 std::string(4000, 'e') + "\r\n{}\r\n0\r\n\r\n";
  }
  pipelined += "POST /anthropic/v1/messages HTTP/1.1\r\nHost: x\r\nx-api-key: " + raw.session.token() +
               "\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}";
  auto responses = parse_responses(http_exchange(raw.session.port(), pipelined, std::chrono::seconds(10)));
  REQUIRE(responses.size() == 4);
  for (const auto& response : responses) CHECK(response.status == 200);
  CHECK(raw.upstream.requests() == 5);
}

TEST_CASE("a POST the upstream may have received is never sent twice", "[e2e][robustness][framing]") {
  RawRouteSession raw([](const RawUpstreamRequest& request) {
    if (request.connection_request == 0) return ok_answer();
    return RawUpstreamAnswer{"", /*close_after=*/true};  // read it, then close without answering
  });
  REQUIRE(raw.session.ready());
  REQUIRE(raw.post().status == 200);
  auto second = raw.post();
  CHECK(second.status == 502);
  CHECK(raw.upstream.requests() == 2);
}

// An answer with neither a length nor chunks ends where the upstream closes: its connection is
// done, and must not go back to the pool for the next request to be written into.
TEST_CASE("an answer that runs to the upstream's close passes whole, and the next request gets a fresh connection",
          "[e2e][robustness][framing]") {
  RawRouteSession raw([](const RawUpstreamRequest&) {
    return RawUpstreamAnswer{"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\"until\":\"close\"}",
                             /*close_after=*/true};
  });
  REQUIRE(raw.session.ready());
  for (int i = 0; i < 3; ++i) {
    INFO("request " << i);
    auto answer = raw.post();
    CHECK(answer.status == 200);
    CHECK(contains(answer.body, "\r\n{\"until\":\"close\"}\r\n0\r\n\r\n"));  // relayed chunked, whole
  }
  CHECK(raw.upstream.requests() == 3);
}

// Interim answers (103 Early Hints) are skipped, up to eight; one upstream that sends them
// without end gets a 502, never a 1xx passed on as if it were the answer.
TEST_CASE("interim answers are skipped, and an upstream that sends only interim answers gets a 502",
          "[e2e][robustness][framing]") {
  const std::string hint = "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n";
  auto interim = [&](int count) {
    std::string bytes;
    for (int i = 0; i < count; ++i) bytes += hint;
    return bytes;
  };
  RawRouteSession raw([&](const RawUpstreamRequest& request) {
    if (request.head.find("x-many") == std::string::npos)
      return RawUpstreamAnswer{interim(2) + raw_response(200, "OK", "", "{\"ok\":true}")};
    return RawUpstreamAnswer{interim(9) + raw_response(200, "OK", "", "{\"late\":true}"), /*close_after=*/true};
  });
  REQUIRE(raw.session.ready());
  auto skipped = raw.post();
  CHECK(skipped.status == 200);
  CHECK(skipped.body == "{\"ok\":true}");
  auto headers = raw.headers();
  headers.push_back({"x-many", "1"});
  auto endless = http_request(raw.session.port(), "POST", "/anthropic/v1/messages", headers, "{}");
  CHECK(endless.status == 502);
  CHECK(contains(endless.body, "interim"));
  CHECK(raw.post().status == 200);  // the broker goes on serving
}

// A 101 is never interim: an upstream that switches protocols for an ordinary request has
// left HTTP, and the client gets a 502 at once rather than a wait for an answer that never comes.
TEST_CASE("an upstream that switches protocols for an ordinary request gets a 502 at once", "[e2e][robustness][framing]") {
  RawRouteSession raw([](const RawUpstreamRequest&) {
    return RawUpstreamAnswer{"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"};
  });
  REQUIRE(raw.session.ready());
  auto started = std::chrono::steady_clock::now();
  auto bytes = http_exchange(raw.session.port(), request_bytes("POST", "/anthropic/v1/messages", raw.headers(), "{}", true),
                             std::chrono::seconds(5));
  auto responses = parse_responses(bytes);
  REQUIRE(responses.size() == 1);
  CHECK(responses[0].status == 502);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(3));
  CHECK(raw.post().status == 502);  // and again: the broker goes on serving
}

// A stream whose first read brought its head and only the start of a chunk's size line: the
// client has the head at once, not when the rest of the chunk comes.
TEST_CASE("an answer's head reaches the client before the upstream's first chunk is whole", "[e2e][robustness][framing]") {
  RawRouteSession raw([](const RawUpstreamRequest&) {
    RawUpstreamAnswer answer;
    answer.bytes = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n1";
    answer.later_bytes = "3\r\ndata: {\"seq\":0}\r\n\r\n\r\n0\r\n\r\n";  // 0x13 bytes of data
    answer.later_ms = 600;
    return answer;
  });
  REQUIRE(raw.session.ready());
  RawConnection connection(raw.session.port());
  connection.send(request_bytes("POST", "/anthropic/v1/messages", raw.headers(), "{}", true));
  auto first = connection.read(std::chrono::milliseconds(400));
  REQUIRE(first);
  CHECK(first->bytes.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(first->bytes.find("data:") == std::string::npos);
  auto rest = connection.read_all(std::chrono::seconds(3));
  CHECK(contains(first->bytes + rest, "data: {\"seq\":0}"));
}

// Bytes an upstream sends past the end of its answer were never asked for: read as the next
// request's answer, they would hand one caller an answer it did not ask for.
TEST_CASE("bytes an upstream sends past its answer never become the next request's answer",
          "[e2e][robustness][framing]") {
  RawRouteSession raw([](const RawUpstreamRequest&) {
    return RawUpstreamAnswer{raw_response(200, "OK", "", "{\"ok\":true}") +
                             raw_response(200, "OK", "", "{\"unasked\":true}")};
  });
  REQUIRE(raw.session.ready());
  for (int i = 0; i < 3; ++i) {
    INFO("request " << i);
    auto answer = raw.post();
    CHECK(answer.status == 200);
    CHECK(answer.body == "{\"ok\":true}");
  }
}

TEST_CASE("an upstream that answers 413 early and closes is passed on as its 413", "[e2e][robustness][framing]") {
  RawRouteSession raw([](const RawUpstreamRequest&) {
    RawUpstreamAnswer answer{raw_response(413, "Payload Too Large", "Connection: close\r\n",
                                          "{\"type\":\"error\",\"error\":{\"type\":\"request_too_large\"}}"),
                             true, /*read_body_limit=*/64 * 1024};
    return answer;
  }, R"({"max_body_bytes": 67108864})");
  REQUIRE(raw.session.ready());
  auto response = raw.post(std::string(24u << 20, 'x'));
  CHECK(response.status == 413);
  CHECK(contains(response.body, "request_too_large"));
}

TEST_CASE("an upstream whose first chunk is malformed is a 502 JSON answer, not an empty reply",
          "[e2e][robustness][framing]") {
  RawRouteSession raw([](const RawUpstreamRequest&) {
    return RawUpstreamAnswer{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\nnot a chunk\r\n", true};
  });
  REQUIRE(raw.session.ready());
  auto response = raw.post();
  CHECK(response.status == 502);
  CHECK_NOTHROW(json::parse(response.body));
}

TEST_CASE("an agent asking for gzip cannot get the key back compressed", "[e2e][robustness][secrets]") {
  RawRouteSession raw([](const RawUpstreamRequest& request) {
    auto key = attached_key(request.head);
    std::string body = "{\"echo\":\"" + key + "\"}";
    auto lower = request.head;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower.find("accept-encoding: gzip") != std::string::npos)
      return RawUpstreamAnswer{raw_response(200, "OK", "Content-Encoding: gzip\r\n", gzip(body))};
    return RawUpstreamAnswer{raw_response(200, "OK", "", body)};
  });
  REQUIRE(raw.session.ready());
  auto headers = raw.headers();
  headers.push_back({"Accept-Encoding", "gzip"});
  auto response = http_request(raw.session.port(), "POST", "/anthropic/v1/messages", headers, "{}");
  CHECK(response.header("content-encoding").empty());
  CHECK(response.status == 200);
  CHECK_FALSE(contains(response.body, gzip("{\"echo\":\"" + raw.key + "\"}")));
  CHECK_FALSE(contains(response.body, raw.key));
  CHECK(contains(response.body, "{\"echo\":\"*"));
}

TEST_CASE("an upstream that compresses anyway is refused rather than passed unscanned", "[e2e][robustness][secrets]") {
  RawRouteSession raw([](const RawUpstreamRequest& request) {
    return RawUpstreamAnswer{raw_response(200, "OK", "Content-Encoding: gzip\r\n", gzip(attached_key(request.head)))};
  });
  REQUIRE(raw.session.ready());
  auto response = raw.post();
  CHECK(response.status == 502);
  CHECK(contains(response.body, "encoded"));
}

TEST_CASE("an upstream naming identity first and gzip after is refused too, not passed unscanned",
          "[e2e][robustness][secrets]") {
  RawRouteSession raw([](const RawUpstreamRequest& request) {
    return RawUpstreamAnswer{raw_response(200, "OK", "Content-Encoding: identity\r\nContent-Encoding: gzip\r\n",
                                          gzip(attached_key(request.head)))};
  });
  REQUIRE(raw.session.ready());
  auto response = raw.post();
  CHECK(response.status == 502);
  CHECK(contains(response.body, "encoded"));
  CHECK_FALSE(contains(response.body, gzip(raw.key)));
}

// The same under a transfer coding: "gzip, chunked" is dechunked by the parser, and the gzip
// underneath would reach the client unlabelled and unscanned.
TEST_CASE("an upstream that compresses under its chunks is refused rather than passed unscanned",
          "[e2e][robustness][secrets]") {
  RawRouteSession raw([](const RawUpstreamRequest& request) {
    auto body = gzip(attached_key(request.head));
    std::ostringstream size;
    size << std::hex << body.size();
    return RawUpstreamAnswer{"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n" + size.str() + "\r\n" + body +
                             "\r\n0\r\n\r\n"};
  });
  REQUIRE(raw.session.ready());
  auto response = raw.post();
  CHECK(response.status == 502);
  CHECK(contains(response.body, "encoded"));
  CHECK_FALSE(contains(response.body, gzip(raw.key)));
}
