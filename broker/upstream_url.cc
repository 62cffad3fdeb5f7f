#include "broker/upstream_url.h"

#include "broker/ascii.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>

namespace saferun::broker {
namespace {

bool valid_host_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
}

std::optional<std::uint16_t> parse_port(std::string_view digits) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end != digits.data() + digits.size() || value == 0 || value > 65535)
    return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

// Splits "host[:port]" or "[v6][:port]" into the URL; false with `why` on error.
bool parse_authority(std::string_view authority, UpstreamUrl& url, std::string& why) {
  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return why = "unterminated IPv6 literal", false;
    host = authority.substr(1, close - 1);
    auto rest = authority.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return why = "unexpected text after IPv6 literal", false;
    if (!rest.empty()) port = rest.substr(1);
    in6_addr ignored{};
    if (::inet_pton(AF_INET6, std::string(host).c_str(), &ignored) != 1)
      return why = "invalid IPv6 literal", false;
  } else {
    auto colon = authority.find(':');
    if (colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
    }
    if (host.empty() || !std::all_of(host.begin(), host.end(), valid_host_char))
      return why = "invalid host", false;
  }
  url.host = to_lower(host);
  if (authority.find(':') != std::string_view::npos && port.empty() && authority.front() != '[')
    return why = "empty port", false;
  if (!port.empty()) {
    auto parsed = parse_port(port);
    if (!parsed) return why = "invalid port", false;
    url.port = *parsed;
  }
  return true;
}

bool parse_base_path(std::string_view path, UpstreamUrl& url, std::string& why) {
  for (char c : path) {
    if (c == '?' || c == '#') return why = "must not have a query or fragment", false;
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '\\')
      return why = "invalid character in path", false;
  }
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (path.find("//") != std::string_view::npos || path.find("/../") != std::string_view::npos ||
      path.find("/./") != std::string_view::npos || path.ends_with("/..") || path.ends_with("/."))
    return why = "path must be normalised", false;
  url.base_path = std::string(path);
  return true;
}

}  // namespace

std::string UpstreamUrl::origin() const {
  std::string out = tls ? "https://" : "http://";
  out += host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port != (tls ? 443 : 80)) out += ":" + std::to_string(port);
  return out;
}

std::string UpstreamUrl::url_for(std::string_view path_and_query) const {
  return origin() + base_path + std::string(path_and_query);
}

std::optional<UpstreamUrl> parse_upstream_url(std::string_view text, std::string& why) {
  UpstreamUrl url;
  if (starts_with_ci(text, "https://")) {
    text.remove_prefix(8);
  } else if (starts_with_ci(text, "http://")) {
    url.tls = false;
    url.port = 80;
    text.remove_prefix(7);
  } else {
    why = "expected an https:// URL";
    return std::nullopt;
  }
  auto slash = text.find('/');
  auto authority = text.substr(0, slash);
  if (authority.find('@') != std::string_view::npos) {
    why = "must not contain user info";
    return std::nullopt;
  }
  if (!parse_authority(authority, url, why)) return std::nullopt;
  if (slash != std::string_view::npos && !parse_base_path(text.substr(slash), url, why))
    return std::nullopt;
  return url;
}

bool is_loopback_host(std::string_view host) {
  if (host == "localhost" || host == "::1") return true;
  in_addr v4{};
  if (::inet_pton(AF_INET, std::string(host).c_str(), &v4) != 1) return false;
  return (ntohl(v4.s_addr) >> 24) == 127;
}

}  // namespace saferun::broker
