#include "broker/websocket/upgrade.h"

#include <boost/beast/websocket/rfc6455.hpp>
#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <vector>

#include "broker/request_parser.h"

using namespace saferun::broker;
namespace http = boost::beast::http;

namespace {

void parse_into(std::optional<RequestParser>& parser, HeadArena& arena, const std::string& head) {
  parser.emplace(HeadAllocator<char>(arena));
  boost::beast::error_code ec;
  parser->put(boost::asio::buffer(head), ec);
  REQUIRE_FALSE(ec);
  REQUIRE(parser->is_header_done());
}

}  // namespace

TEST_CASE("an upgrade head copied for the relay survives the connection's next head in the same arena",
          "[websocket_upgrade]") {
  HeadArena arena;
  std::optional<RequestParser> parser;
  parse_into(parser, arena,
             "GET /openai/v1/responses HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nOpenAI-Beta: responses=v1\r\n\r\n");
  REQUIRE(websocket::is_websocket_upgrade(parser->head()));
  auto copy = websocket::copy_of_head(parser->head());
  parser.reset();  // the arena's block is reused from its start by the next head
  parse_into(parser, arena, "POST /anthropic/v1/messages HTTP/1.1\r\nHost: xxxxxxxxx\r\nX-Filler: " +
                                std::string(300, 'z') + "\r\nContent-Length: 0\r\n\r\n");
  CHECK(copy.method() == http::verb::get);
  CHECK(copy.target() == "/openai/v1/responses");
  CHECK(copy.version() == 11);
  std::vector<std::string> fields;
  for (const auto& field : copy) fields.push_back(std::string(field.name_string()) + ": " + std::string(field.value()));
  CHECK(fields == std::vector<std::string>{"Host: 127.0.0.1", "Upgrade: websocket", "Connection: Upgrade",
                                           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13",
                                           "OpenAI-Beta: responses=v1"});
  CHECK(copy[http::field::upgrade] == "websocket");  // the tree Beast's own handshake searches is built too
}

TEST_CASE("a WebSocket upgrade is a GET of HTTP/1.1 naming websocket in Upgrade and upgrade in Connection",
          "[websocket_upgrade]") {
  HeadArena arena;
  std::optional<RequestParser> parser;
  auto is_upgrade = [&](const std::string& request_line, const std::string& fields) {
    parse_into(parser, arena, request_line + "\r\nHost: x\r\n" + fields + "\r\n");
    return websocket::is_websocket_upgrade(parser->head());
  };
  CHECK(is_upgrade("GET /r HTTP/1.1", "Upgrade: websocket\r\nConnection: Upgrade\r\n"));
  CHECK(is_upgrade("GET /r HTTP/1.1", "upgrade: WebSocket\r\nconnection: keep-alive, upgrade\r\n"));
  CHECK_FALSE(is_upgrade("POST /r HTTP/1.1", "Upgrade: websocket\r\nConnection: Upgrade\r\n"));
  CHECK_FALSE(is_upgrade("GET /r HTTP/1.0", "Upgrade: websocket\r\nConnection: Upgrade\r\n"));
  CHECK_FALSE(is_upgrade("GET /r HTTP/1.1", "Upgrade: h2c\r\nConnection: Upgrade\r\n"));
  CHECK_FALSE(is_upgrade("GET /r HTTP/1.1", "Upgrade: websocket\r\nConnection: keep-alive\r\n"));
  CHECK_FALSE(is_upgrade("GET /r HTTP/1.1", "Upgrade: websocket\r\n"));
  CHECK(websocket::asks_for_upgrade(parser->head()));
  CHECK(websocket::allowlist_method(parser->head()) == "GET");
  CHECK(is_upgrade("GET /r HTTP/1.1", "Upgrade: websocket\r\nConnection: upgrade\r\n"));
  CHECK(websocket::allowlist_method(parser->head()) == "WS");
  parse_into(parser, arena, "GET /r HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK_FALSE(websocket::asks_for_upgrade(parser->head()));
}

TEST_CASE("an upgrade is read as Beast's own handshake reads it: the first Upgrade and Connection fields count",
          "[websocket_upgrade]") {
  // The relay answers with Beast's handshake, which reads the copy: the two must agree on every head.
  HeadArena arena;
  std::optional<RequestParser> parser;
  const std::vector<std::pair<std::string, bool>> heads = {
      {"GET /r HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n", true},
      {"GET /r HTTP/1.1\r\nUpgrade: h2c\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n", false},
      {"GET /r HTTP/1.1\r\nUpgrade: websocket\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n", true},
      {"GET /r HTTP/1.1\r\nUpgrade: websocket\r\nConnection: keep-alive\r\nConnection: Upgrade\r\n", false},
      {"GET /r HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nConnection: close\r\n", true},
      {"GET /r HTTP/1.1\r\nUpgrade: foo, WebSocket\r\nConnection: x, UPGRADE\r\n", true},
      {"GET /r HTTP/1.1\r\nUpgrade: websockets\r\nConnection: Upgrade\r\n", false},
      {"GET /r HTTP/1.1\r\nUpgrade: websocket\r\nConnection: upgrades\r\n", false},
      {"GET /r HTTP/1.1\r\nConnection: Upgrade\r\n", false},
      {"HEAD /r HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n", false},
  };
  for (const auto& [head, expected] : heads) {
    INFO(head);
    parse_into(parser, arena, head + "\r\n");
    CHECK(websocket::is_websocket_upgrade(parser->head()) == expected);
    CHECK(boost::beast::websocket::is_upgrade(websocket::copy_of_head(parser->head())) == expected);
  }
}

TEST_CASE("a handshake header the client's Connection field lists is not carried upstream", "[websocket_upgrade]") {
  HeadArena arena;
  std::optional<RequestParser> parser;
  parse_into(parser, arena,
             "GET /r HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade, X-Private\r\n"
             "X-Private: p\r\nOpenAI-Beta: responses=v1\r\n\r\n");
  const auto listed = connection_listed_names(websocket::copy_of_head(parser->head()));
  CHECK(listed == ConnectionTokens{"x-private"});
  CHECK_FALSE(websocket::forwards_handshake_header("x-private", listed, "authorization"));
  CHECK(websocket::forwards_handshake_header("x-private", {}, "authorization"));  // the field itself is ordinary
  CHECK(websocket::forwards_handshake_header("openai-beta", listed, "authorization"));
  CHECK_FALSE(websocket::forwards_handshake_header("authorization", listed, "authorization"));
  CHECK_FALSE(websocket::forwards_handshake_header("sec-websocket-key", listed, "authorization"));
  CHECK_FALSE(websocket::forwards_handshake_header("upgrade", listed, "authorization"));
}
