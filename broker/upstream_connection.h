#pragma once
// One connection to a route's upstream, plain (loopback http://) or TLS, with the bytes read
// past the last response. Connections are made by UpstreamPool::connect and reused through it.

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <memory>
#include <variant>

#include "broker/reactor_read.h"

namespace saferun::broker {

using PlainUpstream = boost::beast::tcp_stream;
using TlsUpstream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

struct UpstreamConnection {
  std::variant<std::unique_ptr<PlainUpstream>, std::unique_ptr<TlsUpstream>> stream;
  boost::beast::flat_buffer buffer;
  std::size_t route_index = 0;
  bool reused = false;
  std::chrono::steady_clock::time_point idle_since;

  boost::beast::tcp_stream& tcp();
  // Raw bytes (decrypted, on TLS) into `space`, straight from the socket or TLS stream: no
  // composed operation, no stream timer (the exchange times its reads itself).
  template <class Buffers, class Handler>
  void async_read_some(const Buffers& space, Handler&& handler) {
    if (auto* plain = std::get_if<std::unique_ptr<PlainUpstream>>(&stream))
      return (*plain)->socket().async_read_some(space, std::forward<Handler>(handler));
    std::get<std::unique_ptr<TlsUpstream>>(stream)->async_read_some(space, std::forward<Handler>(handler));
  }
  // The same, on a plain connection without Asio's first try (reactor_read.h): only in the
  // handler that wrote the request whole without waiting. On TLS, as async_read_some.
  template <class Buffers, class Handler>
  void async_read_some_untried(const Buffers& space, Handler&& handler) {
    if (auto* plain = std::get_if<std::unique_ptr<PlainUpstream>>(&stream))
      return read_some_untried((*plain)->socket(), space, std::forward<Handler>(handler));
    async_read_some(space, std::forward<Handler>(handler));
  }
  // False when the upstream closed it, or sent bytes nobody asked for, while it sat idle.
  bool still_usable();
  void close();
};

// How a reused connection the upstream closed while idle fails. The request is sent again on a
// fresh connection only when no byte of it was written: once any was, the upstream may have
// received and processed (and billed) it.
bool is_stale_connection_error(boost::system::error_code ec);

}  // namespace saferun::broker
