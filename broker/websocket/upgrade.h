#pragma once
// Which requests are WebSocket upgrades, how the allowlist names them, and which of the
// client's handshake headers reach the upstream's handshake. Pure.
//
// An upgrade is checked against the allowlist as method "WS" (`"WS /responses"`), never as
// GET: a config allows WebSockets only by saying so, and a `GET /responses` rule does not
// open a relay.

#include <boost/beast/http/empty_body.hpp>
#include <string_view>

#include "broker/client_head.h"
#include "broker/header_policy.h"

namespace saferun::broker::websocket {

inline constexpr std::string_view kUpgradeMethod = "WS";

// The client's upgrade request, head only: what the relay keeps to accept it and copy headers.
using UpgradeRequest = boost::beast::http::request<boost::beast::http::empty_body>;

// The client's head copied out of the connection's HeadArena (broker/head_arena.h): the relay
// keeps it past the connection's next request, which reuses the arena.
UpgradeRequest copy_of_head(const ClientHead& request);

// GET with `Upgrade: websocket` and `Connection: upgrade` (RFC 6455 §4.2.1), HTTP/1.1 or later;
// as Beast's websocket::is_upgrade, each read from the first field of its name.
bool is_websocket_upgrade(const ClientHead& request);

// Any Upgrade header at all (h2c, websocket, ...).
bool asks_for_upgrade(const ClientHead& request);

// "WS" for a WebSocket upgrade, else the request's method.
std::string_view allowlist_method(const ClientHead& request);

// The client's handshake headers that the broker's own handshake upstream carries: what
// header_policy forwards for HTTP, minus the handshake's own (key, version, extensions —
// permessage-deflate is not negotiated on either leg), which Beast sets per leg. Fields the
// client's Connection header lists (connection_listed_names) stop here, as for HTTP.
bool forwards_handshake_header(std::string_view lower_name, const ConnectionTokens& connection_listed,
                               std::string_view credential_header);

// Headers of the upstream's 101 that the client's 101 repeats (request ids, rate limits,
// openai-* and x-* headers the provider adds).
bool forwards_handshake_response_header(std::string_view lower_name);

}  // namespace saferun::broker::websocket
