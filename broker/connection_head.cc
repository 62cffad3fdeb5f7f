// How a connection waits for a request head and reads it.
//
// One read stays pending on the client's socket from the end of a request until the next head
// arrives — through the whole exchange that answers the request. While an answer is relayed, that
// read is the watch for a client that goes away (end of stream: the exchange lets the upstream
// go); data it brings is the next (pipelined) request, kept in buffer_ for later. Once the answer
// is done, the same read simply goes on waiting for the next head. So a keep-alive request costs
// no extra system call to watch the client and no cancelled operation; and since the read is
// drain-aware (reactor_read.h), none for a failed try when the request before it was read
// whole (a body's own read has room past the body for that: connection_body.cc). A head
// already whole in buffer_ is parsed there at once. (What that read does not see
// at once, it sees at the client socket's next edge: an end of stream that came in one packet
// with the request — a client that closed is noticed when the answer's first write draws its
// reset, one that half-closed is answered — and bytes past a TCP urgent mark. Either way only
// the sender's own connection waits, at most until the deadlines below.)
//
// header_timeout: a connection waiting for a head is closed header_timeout after it began to
// wait (idle_since_), whether nothing came or only part of a head — on the connection's one
// lazy timer (connection_deadline.cc), so keeping it costs nothing per request.

#include <boost/beast/http/read.hpp>

#include "broker/connection.h"
#include "broker/guarded_handler.h"
#include "broker/proxy_exchange.h"
#include "broker/reactor_read.h"

namespace saferun::broker {

namespace beast = boost::beast;
namespace http = beast::http;

void Connection::read_header() {
  if (closed_) return;
  body_bytes_ = 0;
  body_read_ = false;
  parser_.emplace(HeadAllocator<char>(head_arena_));
  parser_->header_limit(static_cast<std::uint32_t>(context_->settings.limits.max_header_bytes));
  parser_->body_limit(context_->settings.limits.max_body_bytes);
  waiting_for_head_ = true;
  idle_since_ = std::chrono::steady_clock::now();
  set_deadline(idle_since_ + context_->settings.limits.header_timeout, DeadlineFor::head);
  if (reading_ahead_) return;  // its completion parses the head
  if (buffer_.size() > 0) return parse_head();
  if (client_ended_) return close();
  read_ahead();
}

// Into buffer_, which nothing else touches until the read completes. Not while buffer_ holds
// bytes not yet parsed (a pipelined request): those are the next head.
void Connection::read_ahead() {
  if (reading_ahead_ || closed_ || client_ended_ || buffer_.size() > 0) return;
  reading_ahead_ = true;
  auto on_read = guarded(shared_from_this(), [](Connection& self, beast::error_code ec, std::size_t n) {
    self.reading_ahead_ = false;
    self.buffer_.commit(n);
    self.on_client_readable(ec);
  });
  if (client_drained_) return read_some_untried_reporting_drain(stream_.socket(), buffer_.prepare(kReadAheadBytes), on_read);
  read_some_reporting_drain(stream_.socket(), buffer_.prepare(kReadAheadBytes), on_read);
}

void Connection::on_client_readable(beast::error_code ec) {
  if (closed_) return;
  if (ec) client_ended_ = true;
  if (auto exchange = exchange_.lock()) {
    if (ec) exchange->client_gone();
    return;  // data: the next request, parsed once this answer is done
  }
  if (writing_answer_) return;  // an answer of the broker's own is being written; read_header() follows
  // Neither waiting for a head nor answering: an exchange ended without reporting (an error
  // inside its own error handling). Nothing would resume this connection.
  if (!waiting_for_head_) return close("the exchange ended without an answer");
  if (buffer_.size() == 0) return close();
  parse_head();
}

// The head whole in buffer_ is parsed in place, without a round through the event loop; a
// partial one is read on by Beast within what is left of header_timeout.
void Connection::parse_head() {
  beast::error_code ec;
  const auto bytes = buffer_.data();
  auto used = parser_->put_head({static_cast<const char*>(bytes.data()), bytes.size()}, ec);
  buffer_.consume(used);
  if (ec == http::error::need_more && !client_ended_) return read_rest_of_head();
  if (ec == http::error::need_more) ec = http::error::partial_message;
  waiting_for_head_ = false;
  header_bytes_ = used;
  on_header(ec);
}

void Connection::read_rest_of_head() {
  stream_.expires_at(idle_since_ + context_->settings.limits.header_timeout);
  http::async_read_header(stream_, buffer_, *parser_,
                          guarded(shared_from_this(), [](Connection& self, beast::error_code ec, std::size_t bytes) {
                            self.waiting_for_head_ = false;
                            self.header_bytes_ = bytes;
                            self.on_header(ec);
                          }));
}

}  // namespace saferun::broker
