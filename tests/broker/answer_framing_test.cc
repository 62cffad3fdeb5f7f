#include "broker/answer_framing.h"

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace saferun::broker;
namespace http = boost::beast::http;

namespace {

using Answer = http::response<http::buffer_body>;

// A cleaned head: end-to-end fields only, no framing of its own.
Answer cleaned_head(http::status status = http::status::ok) {
  Answer answer{status, 11};
  answer.set(http::field::content_type, "text/event-stream");
  answer.insert("request-id", "req_1");
  answer.insert("X-Custom", "");
  return answer;
}

// The head's status line and fields as Beast writes them, without the blank line.
std::string status_and_fields(const Answer& head) {
  http::response<http::empty_body> bodiless(head.base());
  http::response_serializer<http::empty_body> serializer(bodiless);
  serializer.split(true);
  std::string wire;
  boost::beast::error_code ec;
  serializer.next(ec, [&](boost::beast::error_code&, const auto& buffers) { wire = boost::beast::buffers_to_string(buffers); });
  REQUIRE_FALSE(ec);
  REQUIRE(wire.ends_with("\r\n\r\n"));
  return wire.substr(0, wire.size() - 2);
}

std::string framed(const Answer& head, const AnswerShape& shape, const std::vector<std::string>& pieces) {
  AnswerFraming framing;
  framing.start([&](std::string& out) { out += status_and_fields(head); }, shape);
  std::string wire;
  for (std::size_t i = 0; i < pieces.size(); ++i)
    wire += boost::beast::buffers_to_string(framing.next(pieces[i], i + 1 == pieces.size()));
  return wire;
}

// The reference: Beast's own framing setters on the same head, then its serializer.
std::string serialized_by_beast(Answer head, const AnswerShape& shape, const std::vector<std::string>& pieces) {
  head.keep_alive(shape.keep_alive);
  if (shape.content_length) head.content_length(*shape.content_length);
  if (shape.chunked) head.chunked(true);
  http::response_serializer<http::buffer_body> serializer(head);
  std::string wire;
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    auto& body = head.body();
    body.data = pieces[i].empty() ? nullptr : const_cast<char*>(pieces[i].data());
    body.size = pieces[i].size();
    body.more = i + 1 < pieces.size();
    for (;;) {
      boost::beast::error_code ec;
      serializer.next(ec, [&](boost::beast::error_code&, const auto& buffers) {
        wire += boost::beast::buffers_to_string(buffers);
        serializer.consume(boost::asio::buffer_size(buffers));
      });
      if (ec == http::error::need_buffer || serializer.is_done()) break;
      REQUIRE_FALSE(ec);
    }
  }
  return wire;
}

AnswerShape with_length(std::uint64_t length, bool keep_alive = true) { return {keep_alive, length, false}; }
AnswerShape chunked(bool keep_alive = true) { return {keep_alive, std::nullopt, true}; }

}  // namespace

TEST_CASE("an answer with a length goes out as Beast's serializer writes it: head, then the body as is",
          "[answer_framing]") {
  std::vector<std::string> pieces{"hello", " world"};
  for (bool keep_alive : {true, false}) {
    INFO("keep-alive " << keep_alive);
    CHECK(framed(cleaned_head(), with_length(11, keep_alive), pieces) ==
          serialized_by_beast(cleaned_head(), with_length(11, keep_alive), pieces));
  }
  auto wire = framed(cleaned_head(), with_length(11), pieces);
  CHECK(wire.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(wire.find("Content-Length: 11\r\n\r\nhello world") != std::string::npos);
}

TEST_CASE("a chunked answer goes out as Beast's serializer writes it, pieces as chunks and the last chunk at the end",
          "[answer_framing]") {
  std::vector<std::string> pieces{"data: one\n\n", std::string(300, 'x'), "", "tail"};
  for (bool keep_alive : {true, false}) {
    INFO("keep-alive " << keep_alive);
    CHECK(framed(cleaned_head(), chunked(keep_alive), pieces) ==
          serialized_by_beast(cleaned_head(), chunked(keep_alive), pieces));
  }
  CHECK(framed(cleaned_head(), chunked(), {"abc", ""}).find("chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n") != std::string::npos);
  CHECK(framed(cleaned_head(), chunked(), {std::string(0x1a2b, 'y')}).find("\r\n\r\n1a2b\r\n") != std::string::npos);
}

TEST_CASE("an answer without a body is its head alone, and an empty chunked one ends with the last chunk",
          "[answer_framing]") {
  Answer no_content{http::status::no_content, 11};
  no_content.insert("request-id", "req_2");
  CHECK(framed(no_content, {}, {""}) == "HTTP/1.1 204 No Content\r\nrequest-id: req_2\r\n\r\n");
  CHECK(framed(cleaned_head(), chunked(), {""}) == serialized_by_beast(cleaned_head(), chunked(), {""}));
  // A HEAD answer: the length the upstream said, and no body.
  CHECK(framed(cleaned_head(), with_length(1234), {""}) == serialized_by_beast(cleaned_head(), with_length(1234), {""}));
}

TEST_CASE("an answer keeps the upstream's length when its body passes as is, and is chunked otherwise",
          "[answer_framing]") {
  auto shape = shape_for({200, false, 62, false, false}, true);
  CHECK(shape.content_length == std::optional<std::uint64_t>(62));
  CHECK_FALSE(shape.chunked);
  CHECK(shape.keep_alive);
  CHECK(shape_for({200, false, std::nullopt, true, false}, true).chunked);      // chunked upstream
  CHECK(shape_for({200, false, std::nullopt, false, false}, true).chunked);     // read to the close
  auto edited = shape_for({200, false, 900, false, true}, false);               // the meter strips a chunk
  CHECK(edited.chunked);
  CHECK_FALSE(edited.content_length);
  CHECK_FALSE(edited.keep_alive);
}

TEST_CASE("an answer without a body keeps the length it said and is never chunked", "[answer_framing]") {
  for (unsigned status : {103u, 204u, 304u}) {
    INFO(status);
    auto shape = shape_for({status, false, std::nullopt, true, true}, true);
    CHECK_FALSE(shape.chunked);
    CHECK_FALSE(shape.content_length);
  }
  auto head = shape_for({200, true, 1234, false, true}, true);
  CHECK_FALSE(head.chunked);
  CHECK(head.content_length == std::optional<std::uint64_t>(1234));
}
