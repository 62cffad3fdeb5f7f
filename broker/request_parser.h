#pragma once
// The client's request, parsed by Beast's basic_parser (its grammar, limits and framing rules
// — Content-Length, chunked — unchanged) into a ClientHead (broker/client_head.h); a plain head
// whole in the first bytes is scanned instead, with Beast's verdict on its request line and
// framing fields (put_head, broker/head_scanning_parser.h). A chunked body's bytes are
// appended to a RequestBody. A body with a Content-Length does not go through the parser: the
// connection reads it straight into the body (connection_body.cc).
//
// A chunked body's trailer fields are refused (bad_field, refused_trailer()): Beast hands them
// over as fields after the head, once the request has been routed and checked — kept, they
// would add to a head the policy already passed (an Upgrade after a GET's rule matched).
//
// One parser per request; its head's storage comes from the connection's HeadArena.

#include <cstddef>

#include "broker/body/request_body.h"
#include "broker/client_head.h"
#include "broker/head_scanning_parser.h"

namespace saferun::broker {

class RequestParser final : public HeadScanningParser<true, ClientHead> {
 public:
  explicit RequestParser(HeadAllocator<char> allocator = {}) : HeadScanningParser(allocator) {}

  RequestBody& body() { return body_; }
  const RequestBody& body() const { return body_; }
  bool refused_trailer() const { return refused_trailer_; }

 private:
  using string_view = boost::beast::string_view;

  void on_request_impl(boost::beast::http::verb method, string_view method_text, string_view target, int version,
                       error_code& ec) override;
  void on_response_impl(int, string_view, int, error_code&) override {}
  void on_field_impl(boost::beast::http::field name, string_view name_text, string_view value, error_code& ec) override;
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) override {}
  std::size_t on_body_impl(string_view body, error_code& ec) override { return take_body(body, ec); }
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code& ec) override { return take_body(body, ec); }
  void on_finish_impl(error_code&) override {}

  std::size_t take_body(string_view body, error_code& ec);

  RequestBody body_;
  bool refused_trailer_ = false;
};

}  // namespace saferun::broker
