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

// Set by the broker itself for the upstream message.
constexpr std::array<std::string_view, 3> kRecomputed = {"host", "content-length", "expect"};

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
  if (is_hop_by_hop(lower_name) || listed(kCallerCredentials, lower_name) || listed(kRecomputed, lower_name))
    return false;
  return connection_listed.count(std::string(lower_name)) == 0;
}

bool forwards_response_header(std::string_view lower_name, const std::set<std::string>& connection_listed) {
  if (lower_name.empty() || is_hop_by_hop(lower_name)) return false;
  return connection_listed.count(std::string(lower_name)) == 0;
}

}  // namespace saferun::broker
