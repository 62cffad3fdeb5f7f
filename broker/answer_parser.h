#pragma once
// The upstream's answer, parsed by Beast's basic_parser (its grammar, limits and framing rules
// — chunked, Content-Length, read to the close — unchanged) into an AnswerHead, with body bytes
// copied into a buffer the caller gives, as Beast's buffer_body does: once it is full, put()
// stops with error::need_buffer until the caller gives room again.
//
// One parser per answer (an interim 1xx answer is followed by a fresh one).

#include <boost/beast/http/basic_parser.hpp>
#include <cstddef>

#include "broker/answer_head.h"
#include "broker/head_arena.h"

namespace saferun::broker {

class AnswerParser final : public boost::beast::http::basic_parser<false> {
 public:
  explicit AnswerParser(HeadAllocator<char> allocator = {}) : head_(allocator) {}

  const AnswerHead& head() const { return head_; }

  // Where body bytes go next; `size` of room there.
  void body_buffer(char* data, std::size_t size) {
    body_data_ = data;
    body_room_ = size;
  }
  // Room left in the buffer given (so the bytes parsed into it are its size less this).
  std::size_t body_room() const { return body_room_; }

 private:
  using error_code = boost::beast::error_code;
  using string_view = boost::beast::string_view;

  void on_request_impl(boost::beast::http::verb, string_view, string_view, int, error_code&) override {}
  void on_response_impl(int code, string_view reason, int version, error_code& ec) override;
  void on_field_impl(boost::beast::http::field name, string_view name_text, string_view value, error_code& ec) override;
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) override {}
  std::size_t on_body_impl(string_view body, error_code& ec) override { return take_body(body, ec); }
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code& ec) override { return take_body(body, ec); }
  void on_finish_impl(error_code&) override {}

  std::size_t take_body(string_view body, error_code& ec);

  AnswerHead head_;
  char* body_data_ = nullptr;
  std::size_t body_room_ = 0;
};

}  // namespace saferun::broker
