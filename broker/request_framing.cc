#include "broker/request_framing.h"

#include <vector>

#include "broker/ascii.h"
#include "broker/field_lookup.h"

namespace saferun::broker {
namespace {

namespace http = boost::beast::http;

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// Every coding of every Transfer-Encoding field, in order, lower case.
std::vector<std::string> transfer_codings(const FlatFields& fields) {
  std::vector<std::string> codings;
  for_each_field_value(fields, http::field::transfer_encoding, [&](std::string_view value) {
    while (true) {
      auto comma = value.find(',');
      codings.push_back(to_lower(trim(value.substr(0, comma))));
      if (comma == std::string_view::npos) break;
      value.remove_prefix(comma + 1);
    }
  });
  return codings;
}

}  // namespace

std::optional<std::string> framing_problem(const FlatFields& fields) {
  auto codings = transfer_codings(fields);
  if (codings.empty()) return std::nullopt;
  if (codings.size() != 1 || codings.front() != "chunked")
    return "unsupported Transfer-Encoding: only a single \"chunked\" is accepted";
  if (has_field(fields, http::field::content_length)) return "both Transfer-Encoding and Content-Length";
  return std::nullopt;
}

}  // namespace saferun::broker
