#include "broker/header_policy.h"

#include "broker/ascii.h"

#include <algorithm>
#include <array>
#include <cctype>

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

template <std::size_t N>
bool listed(const std::array<std::string_view, N>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

std::set<std::string> connection_tokens(std::string_view value) {
  std::set<std::string> tokens;
  while (!value.empty()) {
    auto comma = value.find(',');
    auto token = trim(value.substr(0, comma));
    if (!token.empty()) tokens.insert(to_lower(token));
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return tokens;
}

bool is_hop_by_hop(std::string_view lower_name) { return listed(kHopByHop, lower_name); }

bool forwards_request_header(std::string_view lower_name, const std::set<std::string>& connection_listed,
                             std::string_view credential_header) {
  if (lower_name.empty() || lower_name == credential_header) return false;
  if (is_hop_by_hop(lower_name) || listed(kCallerCredentials, lower_name) || listed(kRecomputed, lower_name) ||
      listed(kOverrides, lower_name) || lower_name.starts_with(kForwardedPrefix))
    return false;
  return connection_listed.empty() || connection_listed.count(std::string(lower_name)) == 0;
}

bool forwards_response_header(std::string_view lower_name, const std::set<std::string>& connection_listed) {
  if (lower_name.empty() || is_hop_by_hop(lower_name)) return false;
  return connection_listed.empty() || connection_listed.count(std::string(lower_name)) == 0;
}

}  // namespace saferun::broker
