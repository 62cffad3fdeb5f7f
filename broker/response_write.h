#pragma once
// Writing a relayed answer's next chunk to the client without a round through the event loop:
// as much as the client's socket takes now (non-blocking, so it never stalls the loop).

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/write.hpp>
#include <cstdint>

namespace saferun::broker {

// True when the serializer's current chunk went whole; otherwise the caller writes the rest
// asynchronously (the serializer knows what is left). `bytes_out` counts what was written.
template <class Serializer>
bool write_answer_now(boost::asio::ip::tcp::socket& socket, Serializer& serializer, std::uint64_t& bytes_out) {
  namespace http = boost::beast::http;
  if (!socket.non_blocking()) {
    boost::beast::error_code ec;
    socket.non_blocking(true, ec);
    if (ec) return false;
  }
  while (!serializer.is_done()) {
    boost::beast::error_code ec;
    bytes_out += http::write_some(socket, serializer, ec);
    if (ec == http::error::need_buffer) return true;  // this chunk went; more will follow
    if (ec) return false;  // would_block, or a failure the asynchronous write reports
  }
  return true;
}

}  // namespace saferun::broker
