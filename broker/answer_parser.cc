#include "broker/answer_parser.h"

#include <boost/beast/http/error.hpp>

#include "broker/ascii.h"
#include "broker/plain_head_put.h"

namespace saferun::broker {

void AnswerParser::on_response_impl(int code, string_view reason, int version, error_code&) {
  head_.set_status(static_cast<unsigned>(code), view(reason), static_cast<unsigned>(version));
}

std::size_t AnswerParser::put_head(std::string_view bytes, error_code& ec) {
  return put_plain_head(*this, head_, framing_only_, bytes, head_limit_, ec);
}

void AnswerParser::on_field_impl(boost::beast::http::field, string_view name_text, string_view value, error_code&) {
  if (framing_only_) return;
  head_.add(view(name_text), view(value));
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
