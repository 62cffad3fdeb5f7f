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

// Lower-cased tokens of a Connection header value ("keep-alive, X-Foo" -> {keep-alive, x-foo}).
ConnectionTokens connection_tokens(std::string_view connection_value);

// The tokens of every Connection field of a message's fields: a message may carry several.
template <class Fields>
ConnectionTokens connection_tokens_of(const Fields& fields) {
  ConnectionTokens tokens;
  for_each_field_value(fields, boost::beast::http::field::connection,
                       [&](std::string_view value) { tokens.merge(connection_tokens(value)); });
  return tokens;
}

// Names in any case: each field is checked as it came, with no lower-case copy made.
bool is_hop_by_hop(std::string_view name);

// `credential_header` is the route's own credential header (lower case).
bool forwards_request_header(std::string_view name, const ConnectionTokens& connection_listed,
                             std::string_view credential_header);

bool forwards_response_header(std::string_view name, const ConnectionTokens& connection_listed);

}  // namespace saferun::broker
