#pragma once
// What the request and answer parsers (broker/request_parser.h, broker/answer_parser.h) share:
// Beast's basic_parser, building a head of flat fields, whose put_head() takes a plain head
// whole in the first bytes by broker/plain_head_put.h's fast path and any other as put() takes
// it. Beast's header_limit() is hidden here: the scan is held to the same bound, so it cannot
// take a head Beast would refuse as too long.
//
// A derived parser's on_field_impl() must let a field go while framing_only(): it is a line of
// the short framing head, which the scan adds with all the others.

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "broker/head_arena.h"
#include "broker/plain_head_put.h"

namespace saferun::broker {

template <bool isRequest, class Head>
class HeadScanningParser : public boost::beast::http::basic_parser<isRequest> {
 public:
  using error_code = boost::beast::error_code;
  explicit HeadScanningParser(HeadAllocator<char> allocator) : head_(allocator) {}

  const Head& head() const { return head_; }

  // put(), for the first bytes of a message.
  std::size_t put_head(std::string_view bytes, error_code& ec) {
    return put_plain_head(*this, head_, framing_only_, bytes, head_limit_, ec);
  }
  void header_limit(std::uint32_t bytes) {
    boost::beast::http::basic_parser<isRequest>::header_limit(bytes);
    head_limit_ = bytes;
  }

 protected:
  Head& building_head() { return head_; }
  bool framing_only() const { return framing_only_; }

 private:
  Head head_;
  std::uint32_t head_limit_ = 8 * 1024;  // Beast's own default
  bool framing_only_ = false;            // see put_plain_head()
};

}  // namespace saferun::broker
