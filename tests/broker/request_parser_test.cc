#include "broker/request_parser.h"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/field_lookup.h"
#include "broker/websocket/upgrade.h"

using namespace saferun::broker;
namespace http = boost::beast::http;

namespace {

// Puts `bytes` until the parser stops; returns what it consumed.
std::size_t put(RequestParser& parser, std::string_view bytes, boost::beast::error_code& ec) {
  std::size_t used = 0;
  parser.eager(true);
  while (used < bytes.size() && !parser.is_done()) {
    auto n = parser.put(boost::asio::buffer(bytes.data() + used, bytes.size() - used), ec);
    used += n;
    if (ec || n == 0) break;
  }
  return used;
}

std::vector<std::string> fields_of(const ClientHead& head) {
  std::vector<std::string> fields;
  for (const auto& field : head) fields.push_back(std::string(field.name_string()) + ": " + std::string(field.value()));
  return fields;
}

}  // namespace

TEST_CASE("the request parser keeps method, target, version and the fields in arrival order", "[request_parser]") {
  RequestParser parser;
  boost::beast::error_code ec;
  const std::string_view request =
      "POST /anthropic/v1/messages?beta=true HTTP/1.1\r\nHost: 127.0.0.1:4000\r\nx-api-key: srt_t\r\n"
      "Content-Type: application/json\r\nX-Stainless-Lang: js\r\nx-api-key: second\r\nContent-Length: 2\r\n\r\n{}";
  CHECK(put(parser, request, ec) == request.size());
  REQUIRE_FALSE(ec);
  const auto& head = parser.head();
  CHECK(head.method() == http::verb::post);
  CHECK(head.method_string() == "POST");
  CHECK(head.target() == "/anthropic/v1/messages?beta=true");
  CHECK(head.version() == 11);
  CHECK(fields_of(head) == std::vector<std::string>{"Host: 127.0.0.1:4000", "x-api-key: srt_t",
                                                    "Content-Type: application/json", "X-Stainless-Lang: js",
                                                    "x-api-key: second", "Content-Length: 2"});
  CHECK(first_field_value(head, "x-api-key") == "srt_t");
  CHECK(first_field_value(head, http::field::content_type) == "application/json");
  CHECK(parser.content_length().value_or(0) == 2);
  CHECK(parser.body().view() == "{}");
  CHECK(parser.keep_alive());
}

TEST_CASE("the request parser appends a chunked body's chunks to the request body", "[request_parser]") {
  RequestParser parser;
  boost::beast::error_code ec;
  const std::string_view request =
      "POST /v1/messages HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
      "5\r\nhello\r\n1;ext=1\r\n,\r\n6\r\n world\r\n0\r\n\r\n";
  CHECK(put(parser, request, ec) == request.size());
  REQUIRE_FALSE(ec);
  CHECK(parser.is_done());
  CHECK(parser.chunked());
  CHECK(parser.body().view() == "hello, world");
  CHECK_FALSE(parser.keep_alive());
}

TEST_CASE("a method Beast has no verb for is kept as sent", "[request_parser]") {
  RequestParser parser;
  boost::beast::error_code ec;
  put(parser, "BREW /pot HTTP/1.0\r\n\r\n", ec);
  REQUIRE_FALSE(ec);
  CHECK(parser.head().method() == http::verb::unknown);
  CHECK(parser.head().method_string() == "BREW");
  CHECK(parser.head().target() == "/pot");
  CHECK(parser.head().version() == 10);
  CHECK(parser.head().size() == 0);
}

TEST_CASE("a malformed request head is refused by Beast's grammar, as before", "[request_parser]") {
  for (std::string_view bad : {"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", "GET / HTTP/1.1\r\nX: a\x01z\r\n\r\n",
                               "GET / HTTP/9.1\r\n\r\n", "GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"}) {
    INFO(bad);
    RequestParser parser;
    boost::beast::error_code ec;
    put(parser, bad, ec);
    CHECK(ec);
  }
}

TEST_CASE("a request head past the header limit is refused with header_limit", "[request_parser]") {
  RequestParser parser;
  parser.header_limit(64);
  boost::beast::error_code ec;
  put(parser, "GET / HTTP/1.1\r\nX-Filler: " + std::string(100, 'f') + "\r\n\r\n", ec);
  CHECK(ec == http::error::header_limit);
}

TEST_CASE("a chunked body's trailer fields are refused, never added to the head already checked", "[request_parser]") {
  // Routed and checked on its head alone, a GET must not become an upgrade by its trailers.
  RequestParser parser;
  boost::beast::error_code ec;
  put(parser,
      "GET /openai/v1/responses HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "0\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
      ec);
  CHECK(ec == http::error::bad_field);
  CHECK(parser.refused_trailer());
  CHECK(fields_of(parser.head()) == std::vector<std::string>{"Host: x", "Transfer-Encoding: chunked"});
  CHECK_FALSE(websocket::is_websocket_upgrade(parser.head()));
}

TEST_CASE("a chunked body with an empty trailer section is whole and refuses nothing", "[request_parser]") {
  RequestParser parser;
  boost::beast::error_code ec;
  put(parser, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n", ec);
  REQUIRE_FALSE(ec);
  CHECK(parser.is_done());
  CHECK_FALSE(parser.refused_trailer());
  CHECK(parser.body().view() == "{}");
}

TEST_CASE("obs-folded values are kept whole, each in the head, not in Beast's scratch space", "[request_parser]") {
  // Beast unfolds a folded value into a buffer of its own that the next folded value reuses.
  RequestParser parser;
  boost::beast::error_code ec;
  put(parser, "GET / HTTP/1.1\r\nX-First: one\r\n two\r\nX-Plain: p\r\nX-Second: three\r\n\tfour\r\n\r\n", ec);
  REQUIRE_FALSE(ec);
  const auto fields = fields_of(parser.head());
  REQUIRE(fields.size() == 3);
  CHECK(fields[0].starts_with("X-First: one"));
  CHECK(fields[0].ends_with("two"));
  CHECK(fields[1] == "X-Plain: p");
  CHECK(fields[2].starts_with("X-Second: three"));
  CHECK(fields[2].ends_with("four"));
}

TEST_CASE("a head past its reservation grows intact, and the arena is whole again for the next one", "[request_parser]") {
  // FlatFields reserve 2 KB of text and 32 fields; this head has 40 fields and 4 KB of values.
  HeadArena arena;
  std::optional<RequestParser> parser;
  parser.emplace(HeadAllocator<char>(arena));
  std::string request = "POST /v1/messages HTTP/1.1\r\n";
  for (int i = 0; i < 40; ++i) request += "x-field-" + std::to_string(i) + ": " + std::string(100, 'a' + i % 26) + "\r\n";
  request += "Content-Length: 0\r\n\r\n";
  boost::beast::error_code ec;
  CHECK(put(*parser, request, ec) == request.size());
  REQUIRE_FALSE(ec);
  REQUIRE(parser->head().size() == 41);
  for (int i = 0; i < 40; ++i) {
    INFO(i);
    CHECK(first_field_value(parser->head(), "x-field-" + std::to_string(i)) == std::string(100, 'a' + i % 26));
  }
  parser.reset();
  CHECK(arena.live() == 0);
  CHECK(arena.used() == 0);
  parser.emplace(HeadAllocator<char>(arena));
  put(*parser, "GET /next HTTP/1.1\r\nHost: h\r\n\r\n", ec);
  REQUIRE_FALSE(ec);
  CHECK(parser->head().target() == "/next");
  CHECK(fields_of(parser->head()) == std::vector<std::string>{"Host: h"});
  CHECK(arena.owns(parser->head().text().data()));
}
