#include "broker/answer_parser.h"

#include <boost/beast/http/error.hpp>

#include "broker/ascii.h"

namespace saferun::broker {

void AnswerParser::on_response_impl(int code, string_view reason, int version, error_code&) {
  building_head().set_status(static_cast<unsigned>(code), view(reason), static_cast<unsigned>(version));
}

void AnswerParser::on_field_impl(boost::beast::http::field, string_view name_text, string_view value, error_code&) {
  if (framing_only()) return;
  building_head().add(view(name_text), view(value));
}

// All of it to the sink; outside put_body() none (need_buffer), which ends a head's put().
std::size_t AnswerParser::take_body(string_view body, error_code& ec) {
  if (sink_ == nullptr) {
    ec = boost::beast::http::error::need_buffer;
    return 0;
  }
  (*sink_)(view(body));
  return body.size();
}

}  // namespace saferun::broker
