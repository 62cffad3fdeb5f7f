#pragma once
// One forwarded request: upstream connection from the pool (or a new one), request written,
// response relayed to the client chunk by chunk as it arrives — SSE and chunked answers are
// never buffered whole; one 64 KiB buffer per exchange is the backpressure, since the next
// upstream read starts only when the client has taken the last chunk.
//
// Deadlines: connect and TLS handshake (connect_timeout), each upstream read
// (upstream_idle_timeout, on the client connection's lazy timer: see upstream_watch.h; no total
// deadline, so a long stream lives as long as it moves), each client write (write_timeout). A client that disconnects — before the upstream's head as much
// as mid-stream — closes the upstream connection at once: the connection, which keeps a read
// pending on the client's socket during the exchange, calls client_gone(). An upstream that fails mid-stream cuts the client connection, so an SDK
// sees an error rather than a short success.

#include <boost/beast/core/tcp_stream.hpp>
#include <functional>
#include <memory>
#include <string>

#include "broker/broker_context.h"
#include "broker/dispatch.h"
#include "broker/policy/request_meter.h"
#include "broker/upstream_request.h"
#include "broker/upstream_watch.h"

namespace saferun::broker {

struct ExchangeOutcome {
  bool response_started = false;  // false: nothing was sent to the client; answer `status`
  int status = 0;                 // upstream's status, or 502/504 when it failed before
  std::string reason;             // for a failure before the response, safe to show
  bool client_keep_alive = false;
  std::uint64_t bytes_out = 0;
};

using ExchangeDone = std::function<void(ExchangeOutcome)>;

class ProxyExchange {
 public:
  virtual ~ProxyExchange() = default;
  virtual void start() = 0;
  // The client went away (its socket read end of stream or failed): the upstream request and
  // its connection are let go, and `done` reports the cut. Nothing once the exchange is done.
  virtual void client_gone() = 0;
  // An upstream read outlived upstream_idle_timeout (UpstreamWatch): it is failed as timed out.
  virtual void upstream_timed_out() = 0;
};

// `client`, `watch` and `answer_arena` (where the upstream's answer head is parsed into) belong
// to `client_owner`, which the exchange keeps alive until its last handler has run — even after
// `done` was called. Upstream reads are timed through `watch`. `client_keep_alive`: the request
// asked for it, as its parser read it: no "close" in any Connection field (HTTP/1.1), or a
// "keep-alive" in one, or in Proxy-Connection (HTTP/1.0). `meter` (may be null) sees the answer's bytes as they
// are relayed and is ended before `done` runs. Nothing happens until start().
std::shared_ptr<ProxyExchange> make_proxy_exchange(std::shared_ptr<BrokerContext> context,
                                                   boost::beast::tcp_stream& client, std::shared_ptr<void> client_owner,
                                                   UpstreamWatch& watch, HeadArena& answer_arena, const Dispatch& dispatch,
                                                   const ClientHead& request, RequestBody& body, bool client_keep_alive,
                                                   std::shared_ptr<policy::RequestMeter> meter, ExchangeDone done);

}  // namespace saferun::broker
