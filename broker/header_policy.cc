#include "broker/header_policy.h"

#include "broker/ascii.h"

#include <array>

namespace saferun::broker {
namespace {

constexpr std::array<std::string_view, 9> kHopByHop = {
    "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization",
    "te",         "trailer",    "transfer-encoding", "upgrade"};

// Credentials a client may send; the broker attaches the route's own instead.
constexpr std::array<std::string_view, 5> kCallerCredentials = {"authorization", "x-api-key", "api-key",
                                                                "cookie", "x-goog-api-key"};

// Set by the broker itself for the upstream message. accept-encoding: the broker asks for
// identity, since it can mask a secret only in a body it can read.
constexpr std::array<std::string_view, 4> kRecomputed = {"host", "content-length", "expect", "accept-encoding"};

// Headers some servers and frameworks honour as a different method, path or client: behind
// one of them, "POST /v1/messages" could mean another request than the allowlist allowed.
constexpr std::array<std::string_view, 11> kOverrides = {
    "x-http-method-override", "x-http-method", "x-method-override", "x-original-method", "x-original-url",
    "x-rewrite-url",          "x-override-url", "forwarded",        "x-real-ip",         "x-client-ip",
    "true-client-ip"};
constexpr std::string_view kForwardedPrefix = "x-forwarded-";

// Every name above, filed by length: a request's field is compared with the few names of its
// own length rather than all 29 (a request carries a dozen fields or more, each one checked).
constexpr std::size_t kLongestName = 22;  // x-http-method-override
constexpr std::size_t kMostOfOneLength = 8;
struct NamesByLength {
  std::array<std::array<std::string_view, kMostOfOneLength>, kLongestName + 1> names{};
  std::array<std::size_t, kLongestName + 1> count{};

  template <std::size_t N>
  constexpr void add(const std::array<std::string_view, N>& list) {
    for (auto name : list) names.at(name.size()).at(count.at(name.size())++) = name;  // .at(): a wrong bound fails to compile
  }
  // `name` in any case.
  bool holds(std::string_view name) const {
    if (name.size() > kLongestName) return false;
    for (std::size_t i = 0; i < count[name.size()]; ++i)
      if (starts_with_ci(name, names[name.size()][i])) return true;  // same length: equal
    return false;
  }
};

constexpr NamesByLength kHopByHopByLength = [] {
  NamesByLength table;
  table.add(kHopByHop);
  return table;
}();

constexpr NamesByLength kNotForwardedUpstream = [] {
  NamesByLength table;
  table.add(kHopByHop);
  table.add(kCallerCredentials);
  table.add(kRecomputed);
  table.add(kOverrides);
  return table;
}();

}  // namespace

ConnectionTokens connection_tokens(std::string_view value) {
  ConnectionTokens tokens;
  for_each_list_token(value, [&](std::string_view token) { tokens.insert(to_lower(token)); });
  return tokens;
}

bool is_hop_by_hop(std::string_view name) { return kHopByHopByLength.holds(name); }

// Compared without case, so that a request's fields need no lower-case copy of their names.
bool forwards_request_header(std::string_view name, const ConnectionTokens& connection_listed,
                             std::string_view credential_header) {
  if (name.empty() || (name.size() == credential_header.size() && starts_with_ci(name, credential_header))) return false;
  if (kNotForwardedUpstream.holds(name) || starts_with_ci(name, kForwardedPrefix)) return false;
  return connection_listed.empty() || !connection_listed.contains(name);
}

bool forwards_response_header(std::string_view name, const ConnectionTokens& connection_listed) {
  if (name.empty() || is_hop_by_hop(name)) return false;
  return connection_listed.empty() || !connection_listed.contains(name);
}

}  // namespace saferun::broker
