#include "broker/request_parser.h"

#include <boost/beast/http/error.hpp>

#include "broker/ascii.h"

namespace saferun::broker {

void RequestParser::on_request_impl(boost::beast::http::verb method, string_view method_text, string_view target,
                                    int version, error_code&) {
  building_head().set_request_line(method, view(method_text), view(target), static_cast<unsigned>(version));
}

void RequestParser::on_field_impl(boost::beast::http::field, string_view name_text, string_view value,
                                  error_code& ec) {
  if (framing_only()) return;
  if (is_header_done()) {  // a trailer: the head it would join was already routed and checked
    refused_trailer_ = true;
    ec = boost::beast::http::error::bad_field;
    return;
  }
  building_head().add(view(name_text), view(value));
}

std::size_t RequestParser::take_body(string_view body, error_code&) {
  body_.append(body.data(), body.size());
  return body.size();
}

}  // namespace saferun::broker
