#pragma once
// What the broker reads from a client's WebSocket message before it lets it through, and what
// it answers when the policy refuses one. Pure.
//
// Codex's Responses-over-WebSocket sends one JSON object per turn, `{"type":"response.create",
// <the fields of a POST /responses body>}`: the policy plans it exactly like that body. Any
// other message (response.processed, …) spends nothing and passes. Refused, so that nothing
// the broker cannot read reaches the upstream unmetered: a message whose top-level "type" key
// appears more than once ("ambiguous": parsers disagree on which copy wins, so the upstream
// might read response.create where the broker read something else), and one that is not a
// JSON object with a string "type" ("unreadable": e.g. a lone surrogate escape or NaN, which
// a lenient upstream parser might still take as a response.create) — this one only while a
// policy is in force for the route, since without one nothing is there to get around.
//
// A refusal reaches the client as the `error` event the Responses WebSocket API itself sends,
// `{"type":"error","status":S,"error":{…},"headers":{…}}` — Codex maps it to the same error
// an HTTP answer with status S and those headers would be (a 429 with retry-after is retried
// after that delay, `x-should-retry: false` is not retried). The socket stays open.

#include <string>
#include <string_view>

#include "broker/error_body.h"
#include "broker/policy/session_policy.h"

namespace saferun::broker::websocket {

inline constexpr std::string_view kResponseCreate = "response.create";

enum class ClientMessageKind { response_create, other, ambiguous, unreadable };

struct ClientMessage {
  ClientMessageKind kind = ClientMessageKind::unreadable;
  std::string type;  // the JSON "type" ("" when unreadable)
};

ClientMessage classify_client_message(std::string_view text);

// The `error` event answering a refused message, in the provider's error shape.
std::string refusal_event(Provider provider, const policy::Refusal& refusal);

}  // namespace saferun::broker::websocket
