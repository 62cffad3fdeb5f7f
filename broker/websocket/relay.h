#pragma once
// The WebSocket relay: a client's upgrade, already parsed, authenticated and allowed as
// `WS <path>` by dispatch, becomes two WebSockets — the client's on the broker's socket and one
// the broker opens to the route's upstream (verified TLS, the route's credential attached) —
// and frames flow both ways as they come.
//
// Order: the upstream handshake first, the client's 101 only once the upstream said 101 (so a
// refusal upstream reaches the client as an HTTP error, not as a socket that dies).
// Relaying: from the upstream, each read is a piece of a message (Beast's read_some), written
// on at once as a frame of the same message (text/binary kept, the last piece with FIN), so
// nothing is held whole; those bytes pass through the secret redactor. From the client, each
// message is held whole (at most limits.max_body_bytes, one at a time) and goes through the
// session policy (message_policy.h) before it is forwarded or refused with an `error` event;
// the broker's own events reach the client between the provider's messages, never inside one.
// Pings are answered at each hop (Beast does) and forwarded to the other side; pongs stop at
// the broker. A close frame is passed on with its code and reason. A client message over
// limits.max_body_bytes closes the client with 1009 and the upstream with 1001.
// permessage-deflate is negotiated on neither leg. Silence in both directions past
// limits.upstream_idle_timeout closes both with 1001.
//
// Audit: one record per client message (message_policy.h), and the upgrade's own record when
// the relay ends.

#include <boost/beast/core/tcp_stream.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "broker/broker_context.h"
#include "broker/dispatch.h"
#include "broker/proxy_exchange.h"
#include "broker/client_head.h"
#include "broker/upstream_request.h"

namespace saferun::broker::websocket {

// `client` belongs to `client_owner`, kept alive until the relay's last handler has run.
// `done` is called once: response_started false (nothing sent; answer `status`) when the
// upstream could not be reached or refused the upgrade; true when the relay ran and ended.
void start_relay(std::shared_ptr<BrokerContext> context, boost::beast::tcp_stream& client,
                 std::shared_ptr<void> client_owner, const Dispatch& dispatch, const ClientHead& request,
                 const std::string& request_id, ExchangeDone done);

}  // namespace saferun::broker::websocket
