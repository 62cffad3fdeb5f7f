#pragma once
// The request the broker sends upstream for an allowed client request: same method, the
// route's upstream path and the client's query, the headers header_policy lets through, Host
// set to the upstream, identity encoding asked for, and the route's credential attached.
//
// The credential never enters ordinary (swappable, unwiped) heap: it is not a header field
// of the message. It is written from the route's credential line, a Secret (locked, wiped
// memory) made once per route, as its own buffer between the head's fields and the blank line.
// The body is the client's, moved (never copied): received bytes plus the policy's splice.

#include <boost/asio/buffer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <boost/beast/http/message.hpp>
#include <algorithm>
#include <array>
#include <string>
#include <string_view>

#include "broker/body/request_body.h"
#include "broker/client_head.h"
#include "broker/route.h"
#include "broker/io_now.h"

namespace saferun::broker {

struct UpstreamRequest {
  std::string head;                  // request line and fields but the credential, without the blank line
  RequestBody body;                  // the client's, moved
  const Secret* credential_line = nullptr;  // "name: value\r\n"
};

// "x-api-key: <prefix><secret><suffix>\r\n" in protected memory: the line make_upstream_request
// attaches. Made once per route when the broker starts.
Secret credential_line(const Route& route, const Secret& secret);

// `body` is the client's, moved into the result. `upstream_target` is the path and query to
// send. `line` (from credential_line) must outlive the result.
UpstreamRequest make_upstream_request(const ClientHead& client, RequestBody body, const Route& route,
                                      const Secret& line, std::string_view upstream_target);

// The request as the buffers it is written from: head, credential line, blank line, body.
using RequestBuffers = std::array<boost::asio::const_buffer, 3 + 2 * RequestBody::kMaxSplices + 1>;
inline RequestBuffers request_buffers(const UpstreamRequest& request) {
  namespace asio = boost::asio;
  auto line = request.credential_line->reveal();
  static constexpr std::string_view kEnd = "\r\n";
  const auto body = request.body.forwarded_buffers();
  RequestBuffers buffers{asio::buffer(request.head), asio::buffer(line.data(), line.size()),
                         asio::buffer(kEnd.data(), kEnd.size())};
  std::copy(body.begin(), body.end(), buffers.begin() + 3);
  return buffers;
}

// As much of the request as a plain socket takes now (broker/io_now.h).
template <class Socket>
std::size_t write_upstream_request_now(Socket& socket, const UpstreamRequest& request, boost::system::error_code& ec) {
  return write_now(socket, request_buffers(request), ec);
}

// Writes the request, but its first `skip` bytes, to an upstream stream;
// `handler(error_code, bytes_written)` (not counting `skip`).
template <class Stream, class Handler>
void async_write_upstream_request(Stream& stream, const UpstreamRequest& request, std::size_t skip, Handler&& handler) {
  boost::beast::buffers_suffix<RequestBuffers> rest(request_buffers(request));
  rest.consume(skip);
  boost::asio::async_write(stream, rest, all_available, std::forward<Handler>(handler));
}

// "host" or "host:port" as the Host header for the upstream.
std::string host_header(const UpstreamUrl& upstream);

}  // namespace saferun::broker
