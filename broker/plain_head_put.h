#pragma once
// How the request and answer parsers (broker/request_parser.h, broker/answer_parser.h) take a
// head: one whole in the buffer and plain (broker/plain_head.h) has its start line and framing
// fields parsed by Beast from the short framing head, and every field added to the head's
// flat fields from the scan; any other goes to Beast's put() as it is. Either way the parser
// is left where Beast's own parse of the head would leave it. (A plain head's field lines go
// into the flat fields in one copy, as they came.)

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <cstddef>
#include <stdexcept>
#include <string_view>

#include "broker/plain_head.h"

namespace saferun::broker {

// Fewer bytes than this (a head of two or three fields, and a small body behind it, if any)
// go to Beast, whose parse of them costs no more than a scan and a framing head would.
constexpr std::size_t kPlainHeadWorthScanning = 256;

// Returns the bytes of the head used, as put() does. With an error Beast found in a plain
// head's framing head (a 400, a 413 for a Content-Length over the body limit...), the whole
// head's size: it was read whole (Beast's own count stops where it failed; the message is
// refused either way). `limit` is the parser's header_limit. `framing_only` is the parser's
// flag for on_field_impl to let the framing head's fields go: the scan adds them, with all the
// others, once Beast has taken the start line (which starts the head over).
template <class Parser, class Fields>
std::size_t put_plain_head(Parser& parser, Fields& fields, bool& framing_only, std::string_view bytes,
                           std::size_t limit, boost::beast::error_code& ec) {
  PlainHead plain;
  constexpr auto kind = Parser::is_request::value ? StartLine::request : StartLine::status;
  if (parser.got_some() || bytes.size() < kPlainHeadWorthScanning || !scan_plain_head(bytes, limit, kind, plain))
    return parser.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
  const auto framing = plain.framing_head();
  std::size_t used = 0;
  {
    struct FramingOnly {  // cleared again even if put() throws
      bool& flag;
      ~FramingOnly() { flag = false; }
    } scope{framing_only};
    framing_only = true;
    used = parser.put(boost::asio::buffer(framing.data(), framing.size()), ec);
  }
  // Every read Beast gates by length lies inside a plain head's lines (broker/plain_head.h): it
  // cannot ask for more of the framing head. Were it to, the parser would be out of step with
  // the bytes; that fails the message rather than reading on.
  if (ec == boost::beast::http::error::need_more) throw std::logic_error("Beast asked for more of a whole framing head");
  if (ec) return plain.size;
  if (used != framing.size() || !parser.is_header_done()) throw std::logic_error("the framing head was not parsed whole");
  fields.add_lines(plain.lines(bytes), plain.fields.data(), plain.field_count);
  return plain.size;
}

}  // namespace saferun::broker
