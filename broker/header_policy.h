#pragma once
// Which headers cross the broker, as data plus pure functions that fail closed.
//
// Upstream, the caller's credentials never pass (the route attaches its own), nor do
// hop-by-hop headers or any header the request's Connection header names; Host is set to the
// upstream's. Downstream, hop-by-hop headers stop at the broker; everything else — retry-after,
// request ids, rate-limit headers, content-encoding — passes untouched.

#include <boost/beast/http/field.hpp>
#include <set>
#include <string>
#include <string_view>

#include "broker/ascii.h"
#include "broker/field_lookup.h"

namespace saferun::broker {

// The names a Connection field lists, lower-cased; looked up in any case.
using ConnectionTokens = std::set<std::string, CaseInsensitiveLess>;

// Each non-empty token of a comma-separated list value, trimmed of spaces and tabs, as it came.
template <class Visit>
void for_each_list_token(std::string_view value, Visit&& visit) {
  while (!value.empty()) {
    const auto comma = value.find(',');
    auto token = value.substr(0, comma);
    while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) token.remove_prefix(1);
    while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
    if (!token.empty()) visit(token);
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
}

// Lower-cased tokens of a Connection header value ("keep-alive, X-Foo" -> {keep-alive, x-foo}).
ConnectionTokens connection_tokens(std::string_view connection_value);

// Names in any case: each field is checked as it came, with no lower-case copy made.
bool is_hop_by_hop(std::string_view name);

// The names a message's Connection fields list (a message may carry several) other than the
// hop-by-hop ones, which are dropped anyway: the further fields to drop. Real clients and
// providers list "keep-alive" or "upgrade" (hop-by-hop names both), so this is usually empty
// and no field needs looking up in it.
template <class Fields>
ConnectionTokens connection_listed_names(const Fields& fields) {
  ConnectionTokens names;
  for_each_field_value(fields, boost::beast::http::field::connection, [&](std::string_view value) {
    for_each_list_token(value, [&](std::string_view token) {
      if (!is_hop_by_hop(token)) names.insert(to_lower(token));
    });
  });
  return names;
}

// `credential_header` is the route's own credential header (lower case).
bool forwards_request_header(std::string_view name, const ConnectionTokens& connection_listed,
                             std::string_view credential_header);

bool forwards_response_header(std::string_view name, const ConnectionTokens& connection_listed);

}  // namespace saferun::broker
