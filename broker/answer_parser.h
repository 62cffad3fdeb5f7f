#pragma once
// The upstream's answer, parsed by Beast's basic_parser (its grammar, limits and framing rules
// — chunked, Content-Length, read to the close — unchanged) into an AnswerHead; a plain head
// whole in the first bytes is scanned instead, with Beast's verdict on its start line and
// framing fields (put_head, broker/head_scanning_parser.h). The body is not copied here:
// put_body() hands each piece of it, chunk framing removed, to a sink as a view of the bytes
// being parsed, for the sink to use before put_body() returns. A plain put() stops at the body
// with error::need_buffer (the head is read with it).
//
// One parser per answer (an interim 1xx answer is followed by a fresh one).

#include <cstddef>
#include <string_view>

#include "broker/answer_head.h"
#include "broker/head_scanning_parser.h"
#include "broker/policy/function_ref.h"

namespace saferun::broker {

class AnswerParser final : public HeadScanningParser<false, AnswerHead> {
 public:
  explicit AnswerParser(HeadAllocator<char> allocator = {}) : HeadScanningParser(allocator) {}

  using BodySink = policy::FunctionRef<void(std::string_view piece)>;

  // put(), with each piece of body found in `buffers` handed to `sink`: a view valid only
  // while the sink runs. Returns the bytes used, as put() does.
  template <class ConstBuffers>
  std::size_t put_body(const ConstBuffers& buffers, BodySink sink, error_code& ec) {
    struct Scope {
      AnswerParser& parser;
      ~Scope() { parser.sink_ = nullptr; }
    } scope{*this};
    sink_ = &sink;
    return put(buffers, ec);
  }

 private:
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

  const BodySink* sink_ = nullptr;  // set only inside put_body()
};

}  // namespace saferun::broker
