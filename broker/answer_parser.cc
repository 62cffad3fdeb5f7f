#include "broker/answer_parser.h"

#include <boost/beast/http/error.hpp>
#include <algorithm>
#include <cstring>

#include "broker/ascii.h"

namespace saferun::broker {

void AnswerParser::on_response_impl(int code, string_view reason, int version, error_code&) {
  head_.set_status(static_cast<unsigned>(code), view(reason), static_cast<unsigned>(version));
}

void AnswerParser::on_field_impl(boost::beast::http::field name, string_view name_text, string_view value, error_code&) {
  head_.add(name, view(name_text), view(value));
}

// As Beast's buffer_body: all that fits, and need_buffer when not all did.
std::size_t AnswerParser::take_body(string_view body, error_code& ec) {
  if (body_data_ == nullptr) {
    ec = boost::beast::http::error::need_buffer;
    return 0;
  }
  const std::size_t taken = std::min(body.size(), body_room_);
  if (taken > 0) std::memcpy(body_data_, body.data(), taken);
  body_data_ += taken;
  body_room_ -= taken;
  if (taken < body.size()) ec = boost::beast::http::error::need_buffer;
  return taken;
}

}  // namespace saferun::broker
