#include "broker/upstream_connection.h"

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

}  // namespace saferun::broker
