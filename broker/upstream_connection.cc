#include "broker/upstream_connection.h"

#include <boost/asio/ssl/error.hpp>
#include <boost/beast/http/error.hpp>

#include <poll.h>
#include <sys/socket.h>

namespace saferun::broker {

boost::beast::tcp_stream& UpstreamConnection::tcp() {
  if (auto* plain = std::get_if<std::unique_ptr<PlainUpstream>>(&stream)) return **plain;
  return boost::beast::get_lowest_layer(*std::get<std::unique_ptr<TlsUpstream>>(stream));
}

bool UpstreamConnection::still_usable() {
  auto& socket = tcp().socket();
  if (!socket.is_open() || buffer.size() != 0) return false;
  pollfd p{socket.native_handle(), POLLIN, 0};
  // Readable while idle means EOF, a reset, or a TLS close_notify: none of them is reusable.
  return ::poll(&p, 1, 0) == 0;
}

void UpstreamConnection::close() {
  boost::system::error_code ignored;
  tcp().socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
  tcp().socket().close(ignored);
}

bool is_stale_connection_error(boost::system::error_code ec) {
  namespace http = boost::beast::http;
  return ec == http::error::end_of_stream || ec == boost::asio::error::eof ||
         ec == boost::asio::error::connection_reset || ec == boost::asio::error::broken_pipe ||
         ec == boost::asio::ssl::error::stream_truncated;
}

}  // namespace saferun::broker
