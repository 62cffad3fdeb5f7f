#include "broker/answer_parser.h"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <vector>

#include "broker/field_lookup.h"

using namespace saferun::broker;
namespace http = boost::beast::http;

namespace {

constexpr std::string_view kProviderHead =
    "HTTP/1.1 200 OK\r\nDate: Wed, 02 Dec 2026 16:00:00 GMT\r\nContent-Type: application/json\r\n"
    "Content-Length: 11\r\nConnection: keep-alive\r\nanthropic-ratelimit-requests-remaining: 3999\r\n"
    "request-id: req_011CVhB9s4mWxZkQeYJb2TfP\r\nCF-RAY: 9a1b2c3d4e5f6a7b-FRA\r\n\r\n";

// Puts `bytes` until the parser stops; returns what it consumed.
std::size_t put(AnswerParser& parser, std::string_view bytes, boost::beast::error_code& ec) {
  std::size_t used = 0;
  while (used < bytes.size() && !parser.is_done()) {
    auto n = parser.put(boost::asio::buffer(bytes.data() + used, bytes.size() - used), ec);
    used += n;
    if (ec || n == 0) break;
  }
  return used;
}

// `answer` put whole into `parser`, its body pieces appended to `body`; the parser asks for
// nothing more.
void put_into(AnswerParser& parser, std::string_view answer, std::string& body) {
  boost::beast::error_code ec;
  std::size_t used = 0;
  auto sink = [&](std::string_view piece) { body += piece; };
  while (used < answer.size() && !parser.is_done()) {
    auto n = parser.put_body(boost::asio::buffer(answer.data() + used, answer.size() - used), sink, ec);
    used += n;
    if (ec || n == 0) break;
  }
  CHECK((!ec || ec == http::error::need_more));
}

}  // namespace

TEST_CASE("an answer's status, reason and fields are kept in order, as received, with Beast's names for them",
          "[answer_parser]") {
  HeadArena arena;
  AnswerParser parser{HeadAllocator<char>(arena)};
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(kProviderHead.data(), kProviderHead.size()), ec);
  REQUIRE_FALSE(ec);
  REQUIRE(parser.is_header_done());
  const auto& head = parser.head();
  CHECK(head.status() == 200);
  CHECK(head.reason() == "OK");
  CHECK(head.version() == 11);
  REQUIRE(head.size() == 7);
  CHECK(head[0].name() == http::field::date);
  CHECK(head[4].name() == http::field::unknown);
  CHECK(head[4].name_string() == "anthropic-ratelimit-requests-remaining");
  CHECK(head[4].value() == "3999");
  CHECK(head[6].name_string() == "CF-RAY");
  CHECK(head[6].value() == "9a1b2c3d4e5f6a7b-FRA");
  CHECK(first_field_value(head, http::field::content_type) == "application/json");
  CHECK_FALSE(first_field_value(head, http::field::content_encoding));
  CHECK(parser.content_length().value_or(0) == 11);
  CHECK(arena.owns(head[6].value().data()));  // no field on the heap
}

TEST_CASE("a plain put stops at the body; put_body hands the sink views of the bytes it parses", "[answer_parser]") {
  AnswerParser parser;
  const std::string answer = std::string(kProviderHead) + "hello world";
  boost::beast::error_code ec;
  auto used = put(parser, answer, ec);
  REQUIRE(parser.is_header_done());
  CHECK(ec == http::error::need_buffer);  // the head's read: no body taken
  CHECK(used == kProviderHead.size());
  std::vector<std::string_view> pieces;
  auto sink = [&](std::string_view piece) { pieces.push_back(piece); };
  ec = {};
  auto rest = std::string_view(answer).substr(used);
  CHECK(parser.put_body(boost::asio::buffer(rest.data(), 5), sink, ec) == 5);
  CHECK_FALSE(ec);
  CHECK(parser.put_body(boost::asio::buffer(rest.data() + 5, rest.size() - 5), sink, ec) == rest.size() - 5);
  CHECK_FALSE(ec);
  CHECK(parser.is_done());
  REQUIRE(pieces.size() == 2);
  // No copy: each piece lies inside the bytes given.
  CHECK(pieces[0].data() == rest.data());
  CHECK(pieces[0] == "hello");
  CHECK(pieces[1].data() == rest.data() + 5);
  CHECK(pieces[1] == " world");
}

TEST_CASE("after put_body the parser holds no sink: the next plain put takes no body", "[answer_parser]") {
  AnswerParser parser;
  parser.eager(true);
  const std::string answer = std::string(kProviderHead) + "hello world";
  boost::beast::error_code ec;
  auto used = put(parser, answer, ec);
  REQUIRE(parser.is_header_done());
  std::string body;
  ec = {};
  used += parser.put_body(boost::asio::buffer(answer.data() + used, 4), [&](std::string_view piece) { body += piece; }, ec);
  CHECK(body == "hell");
  ec = {};
  CHECK(parser.put(boost::asio::buffer(answer.data() + used, answer.size() - used), ec) == 0);
  CHECK(ec == http::error::need_buffer);
  CHECK(body == "hell");
}

TEST_CASE("a chunked body arrives without its chunk framing", "[answer_parser]") {
  AnswerParser parser;
  parser.eager(true);
  const std::string answer =
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
      "6\r\nevent:\r\n3;x=1\r\n ok\r\n0\r\n\r\n";
  std::string body;
  put_into(parser, answer, body);
  CHECK(parser.is_done());
  CHECK(parser.chunked());
  CHECK(body == "event: ok");
}

TEST_CASE("a head larger than the arena's block is kept whole", "[answer_parser]") {
  HeadArena arena;
  std::optional<AnswerParser> held{HeadAllocator<char>(arena)};
  auto& parser = *held;
  parser.header_limit(256 * 1024);
  std::string head = "HTTP/1.1 429 Too Many Requests\r\n";
  for (int i = 0; i < 100; ++i) head += "x-field-" + std::to_string(i) + ": " + std::string(90, 'a' + i % 26) + "\r\n";
  head += "Content-Length: 0\r\n\r\n";
  boost::beast::error_code ec;
  put(parser, head, ec);
  CHECK_FALSE(ec);
  REQUIRE(parser.head().size() == 101);
  // The text outgrew the block and moved, whole, to the heap (one allocation, not one per field).
  CHECK_FALSE(arena.owns(parser.head()[0].value().data()));
  CHECK_FALSE(arena.owns(parser.head()[100].value().data()));
  for (int i = 0; i < 100; ++i) {
    CHECK(parser.head()[i].name_string() == "x-field-" + std::to_string(i));
    CHECK(parser.head()[i].value() == std::string(90, 'a' + i % 26));
  }
  CHECK(parser.head().reason() == "Too Many Requests");
  held.reset();
  CHECK(arena.live() == 0);
}

TEST_CASE("an answer without a body is done at its head: to a HEAD request, and a 204", "[answer_parser]") {
  const std::string with_length = "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n";
  AnswerParser head_answer;
  head_answer.skip(true);  // the exchange's setting for a HEAD request
  boost::beast::error_code ec;
  CHECK(put(head_answer, with_length, ec) == with_length.size());
  CHECK_FALSE(ec);
  CHECK(head_answer.is_done());
  const std::string no_content = "HTTP/1.1 204 No Content\r\nrequest-id: r\r\n\r\n";
  AnswerParser empty;
  CHECK(put(empty, no_content, ec) == no_content.size());
  CHECK_FALSE(ec);
  CHECK(empty.is_done());
  CHECK(empty.head().status() == 204);
}

TEST_CASE("a body with neither length nor chunks runs to the close, and put_eof ends it", "[answer_parser]") {
  AnswerParser parser;
  std::string body;
  put_into(parser, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end", body);
  CHECK_FALSE(parser.is_done());
  CHECK_FALSE(parser.keep_alive());  // the close is the end of the body
  boost::beast::error_code ec;
  parser.put_eof(ec);
  CHECK_FALSE(ec);
  CHECK(parser.is_done());
  CHECK(body == "until the end");
}

TEST_CASE("an answer cut before its length is reached is a partial message", "[answer_parser]") {
  AnswerParser parser;
  std::string body;
  put_into(parser, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", body);
  boost::beast::error_code ec;
  parser.put_eof(ec);
  CHECK(ec == http::error::partial_message);
}
