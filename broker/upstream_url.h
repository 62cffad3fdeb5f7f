#pragma once
// The upstream base URL of a route: scheme, host, port and base path, parsed strictly.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace saferun::broker {

struct UpstreamUrl {
  bool tls = true;
  std::string host;       // without brackets for IPv6 literals
  std::uint16_t port = 443;
  std::string base_path;  // "" or "/v1" — never ends in '/'

  std::string origin() const;  // "https://api.anthropic.com" (port only when not the default)
  std::string url_for(std::string_view path_and_query) const;
};

// Accepts http:// and https:// URLs without user info, query or fragment.
// On failure returns nullopt and sets `why` to a reason fit for a config error.
std::optional<UpstreamUrl> parse_upstream_url(std::string_view text, std::string& why);

// "localhost", 127.0.0.0/8 and ::1 — the only hosts a plain http:// upstream may use.
bool is_loopback_host(std::string_view host);

}  // namespace saferun::broker
