#pragma once
// Reading from and writing to a socket without a round through the event loop: as much as it
// holds or takes now. The socket is made non-blocking, so this never stalls the loop; the rest
// is read or written asynchronously by the caller (`ec` is would_block then).

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <cstddef>
#include <limits>

namespace saferun::broker {

// Each write takes all the socket accepts, not asio's default 64 KiB per call.
inline std::size_t all_available(const boost::system::error_code& ec, std::size_t) {
  return ec ? std::size_t{0} : std::numeric_limits<std::size_t>::max();
}

template <class Socket, class Buffers>
std::size_t write_now(Socket& socket, const Buffers& buffers, boost::system::error_code& ec) {
  if (!socket.non_blocking()) socket.non_blocking(true, ec);
  if (ec) return 0;
  return boost::asio::write(socket, buffers, all_available, ec);
}

// Into `buffer` as much as the socket holds now, up to its size (several reads if need be).
template <class Socket>
std::size_t read_now(Socket& socket, boost::asio::mutable_buffer buffer, boost::system::error_code& ec) {
  if (!socket.non_blocking()) socket.non_blocking(true, ec);
  if (ec) return 0;
  return boost::asio::read(socket, buffer, all_available, ec);
}

// One receive into `buffers` (a scatter read): what the socket holds now, up to their size.
template <class Socket, class Buffers>
std::size_t receive_now(Socket& socket, const Buffers& buffers, boost::system::error_code& ec) {
  if (!socket.non_blocking()) socket.non_blocking(true, ec);
  if (ec) return 0;
  return socket.read_some(buffers, ec);
}

inline bool would_block(boost::system::error_code ec) {
  return ec == boost::asio::error::would_block || ec == boost::asio::error::try_again;
}

}  // namespace saferun::broker
