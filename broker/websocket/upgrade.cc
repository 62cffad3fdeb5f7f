#include "broker/websocket/upgrade.h"

#include <array>
#include <boost/beast/http/rfc7230.hpp>

#include "broker/field_lookup.h"
#include "broker/header_policy.h"

namespace saferun::broker::websocket {
namespace {

namespace http = boost::beast::http;

constexpr std::array<std::string_view, 4> kHandshakeOwn = {"sec-websocket-key", "sec-websocket-version",
                                                           "sec-websocket-extensions", "sec-websocket-accept"};

bool is_handshake_own(std::string_view lower_name) {
  for (auto name : kHandshakeOwn) {
    if (name == lower_name) return true;
  }
  return false;
}

}  // namespace

// Most requests have no Upgrade field at all.
bool is_websocket_upgrade(const ClientHead& request) {
  if (request.version() < 11 || request.method() != http::verb::get) return false;
  auto upgrade = first_field_value(request, http::field::upgrade);
  auto connection = first_field_value(request, http::field::connection);
  return upgrade && connection && http::token_list{beast_view(*upgrade)}.exists("websocket") &&
         http::token_list{beast_view(*connection)}.exists("upgrade");
}

bool asks_for_upgrade(const ClientHead& request) { return has_field(request, http::field::upgrade); }

std::string_view allowlist_method(const ClientHead& request) {
  if (is_websocket_upgrade(request)) return kUpgradeMethod;
  return request.method_string();
}

bool forwards_handshake_header(std::string_view lower_name, const ConnectionTokens& connection_listed,
                               std::string_view credential_header) {
  if (is_handshake_own(lower_name)) return false;
  return forwards_request_header(lower_name, connection_listed, credential_header);
}

bool forwards_handshake_response_header(std::string_view lower_name) {
  if (is_handshake_own(lower_name) || is_hop_by_hop(lower_name)) return false;
  if (lower_name == "sec-websocket-protocol") return true;
  return lower_name == "request-id" || lower_name.starts_with("x-") || lower_name.starts_with("openai-");
}

UpgradeRequest copy_of_head(const ClientHead& request) {
  UpgradeRequest copy;
  copy.version(request.version());
  copy.method_string(beast_view(request.method_string()));
  copy.target(beast_view(request.target()));
  for (const auto& field : request) copy.insert(field.name_string(), field.value());
  return copy;
}

}  // namespace saferun::broker::websocket
