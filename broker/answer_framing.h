#pragma once
// How a relayed answer goes on the client's wire: the head written from its (cleaned) fields,
// then each piece of body as it is under a Content-Length, or as one chunk when chunked, the
// last piece followed by the last chunk. The bytes Beast's serializer would write, without its
// buffer-sequence machinery per piece (a tenth of the broker's user time on a small answer).
// Pure: it builds bytes and buffer lists; the exchange writes them.

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>
#include <array>
#include <string>
#include <string_view>

namespace saferun::broker {

// "HTTP/1.1 <code> <reason>\r\n" then "<name>: <value>\r\n" per field, in order, then "\r\n".
// An empty reason is written as the status's usual one, as Beast does.
void append_response_head(std::string& out, const boost::beast::http::response_header<>& head);

class AnswerFraming {
 public:
  // Head, chunk-size line, body, tail: unused ones are empty.
  using Buffers = std::array<boost::asio::const_buffer, 4>;

  // Starts an answer: its head goes out with the first piece; `chunked` as the head says.
  void start(const boost::beast::http::response_header<>& head, bool chunked);
  // The buffers for the next piece of body; `last` ends the answer. They point into this object
  // and into `body`, both of which must stay unchanged until the buffers are written.
  Buffers next(std::string_view body, bool last);
  // The head has not gone out yet.
  bool head_pending() const { return !head_sent_; }

 private:
  std::string head_;
  bool head_sent_ = false;
  bool chunked_ = false;
  std::array<char, 2 * sizeof(std::size_t) + 2> size_line_{};
};

}  // namespace saferun::broker
