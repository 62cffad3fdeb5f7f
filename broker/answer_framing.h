#pragma once
// How a relayed answer goes on the client's wire: the head (status line and cleaned fields,
// broker/response_head.h) with the framing's own fields, then each piece of body as it is
// under a Content-Length, or as one chunk when chunked, the last piece followed by the last
// chunk. The bytes Beast's serializer would write, without its
// buffer-sequence machinery per piece (7.6 % of the broker's user time on a small answer).
// Pure: it builds bytes and buffer lists; the exchange writes them.

#include <boost/asio/buffer.hpp>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace saferun::broker {

// How the answer is framed: written after the head's own fields (which carry none of these),
// in the order Beast's keep_alive(), content_length() and chunked() would add them.
struct AnswerShape {
  bool keep_alive = true;                       // false: "Connection: close" (the head is HTTP/1.1)
  std::optional<std::uint64_t> content_length;  // "Content-Length: N" when set
  bool chunked = false;                         // "Transfer-Encoding: chunked", body sent as chunks
};

// What the framing depends on in the upstream's answer and the relay.
struct UpstreamAnswer {
  unsigned status = 200;
  bool head_request = false;                     // the request was a HEAD: no body follows
  std::optional<std::uint64_t> content_length;  // as the upstream said it
  bool chunked = false;                          // the upstream sent chunks
  bool body_edited = false;                      // the relay changes the body (the meter strips a chunk)
};

// The upstream's length when it said one and the body passes unchanged; chunked otherwise
// (chunked, read to the close, or edited). An answer without a body (HEAD, 1xx, 204, 304) keeps
// the length it said, if any, and is never chunked.
AnswerShape shape_for(const UpstreamAnswer& answer, bool keep_alive);

class AnswerFraming {
 public:
  // Head, chunk-size line, body, tail: unused ones are empty.
  using Buffers = std::array<boost::asio::const_buffer, 4>;

  // Starts an answer: its head, then the shape's fields, go out with the first piece.
  // `write_head(std::string&)` appends the status line and fields, each ending in CRLF, without
  // the blank line (broker/response_head.h), straight into the head this writes.
  template <class WriteHead>
  void start(WriteHead&& write_head, const AnswerShape& shape) {
    begin_head();
    write_head(head_);
    end_head(shape);
  }
  // The buffers for the next piece of body; `last` ends the answer. They point into this object
  // and into `body`, both of which must stay unchanged until the buffers are written.
  Buffers next(std::string_view body, bool last);
  // The head has not gone out yet.
  bool head_pending() const { return !head_sent_; }

 private:
  void begin_head();
  void end_head(const AnswerShape& shape);

  // A usual answer head fits in one allocation of this, one glibc still caches per thread
  // (larger ones: broker/response_head.cc reserves what the head needs).
  static constexpr std::size_t kHeadReserve = 1024;

  std::string head_;
  bool head_sent_ = false;
  bool chunked_ = false;
  std::array<char, 2 * sizeof(std::size_t) + 2> size_line_{};
};

}  // namespace saferun::broker
