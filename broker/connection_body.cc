// How a connection reads a request's body and lets the policy see it: a reservation from the
// broker-wide BodyBudget first, then the bytes — straight into storage of the body's
// Content-Length, or through the request parser when chunked — then the PreForwardHook.

#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>
#include <array>
#include <limits>

#include "broker/connection.h"
#include "broker/field_lookup.h"
#include "broker/guarded_handler.h"
#include "broker/io_now.h"

namespace saferun::broker {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

// Lets each read of a body take everything the socket holds, not asio's default 64 KiB.
std::size_t read_all_available(const beast::error_code& ec, std::size_t) {
  return ec ? 0 : std::numeric_limits<std::size_t>::max();
}

}  // namespace

bool Connection::at_message_end() const { return body_read_ || (parser_ && parser_->is_done()); }

// The body's bytes are reserved before any is read: at most max_body_bytes_in_flight are held
// broker-wide, and a request that does not fit waits here, unread.
void Connection::read_body() {
  if (parser_->is_done()) return on_body({});
  auto length = parser_->content_length();
  auto bytes = length ? static_cast<std::size_t>(*length) : context_->settings.limits.max_body_bytes;
  reserving_ = true;
  context_->body_budget->reserve(bytes, guarded(shared_from_this(), [](Connection& self, BodyReservation reservation) {
    if (self.reserving_) return self.on_budget(std::move(reservation));
    asio::post(self.stream_.get_executor(),
               guarded(self.shared_from_this(), [reservation = std::move(reservation)](Connection& later) mutable {
                 later.on_budget(std::move(reservation));
               }));
  }));
  reserving_ = false;
}

void Connection::on_budget(BodyReservation reservation) {
  if (closed_) return;
  parser_->body().hold(std::move(reservation));
  auto expect = first_field_value(parser_->head(), http::field::expect);
  if (expect && beast::iequals(beast_view(*expect), "100-continue")) return send_continue_then_read();
  read_body_bytes();
}

// Clients that ask (curl does, past 1 MiB) would otherwise wait a second before sending.
// Written asynchronously like every answer: a client that never reads stalls only itself.
void Connection::send_continue_then_read() {
  static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
  stream_.expires_after(context_->settings.limits.write_timeout);
  asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                    guarded(shared_from_this(), [](Connection& self, beast::error_code ec, std::size_t) {
                      if (ec || self.closed_) return self.close();
                      self.read_body_bytes();
                    }));
}

void Connection::read_body_bytes() {
  stream_.expires_after(context_->settings.limits.body_timeout);
  auto length = parser_->content_length();
  if (length && !parser_->chunked()) return read_sized_body(static_cast<std::size_t>(*length));
  read_chunked_body();
}

// Into storage of exactly `length` bytes: first what the head's read already brought, then
// straight from the socket — no parser, no intermediate buffer. What the socket already holds
// is read at once in one receive (a 76 KB body is usually all there with its head; of a 1 MB
// one, a part): no round through the event loop. The rest is read asynchronously.
void Connection::read_sized_body(std::size_t length) {
  auto& body = parser_->body();
  body.allocate(length);
  auto have = std::min(buffer_.size(), length);
  asio::buffer_copy(asio::buffer(body.data(), have), buffer_.data());
  buffer_.consume(have);
  beast::error_code read_error;
  bool drained = false;
  if (have < length) have += receive_body_now(asio::buffer(body.data() + have, length - have), drained, read_error);
  if (have == length) {
    body_read_ = true;
    // Known only in this handler: once the event loop polls again, the socket's next read
    // tries. Reset however on_body ends (an exception goes on to guarded()).
    struct DrainedWhile {
      bool& flag;
      ~DrainedWhile() { flag = false; }
    } scope{client_drained_};
    client_drained_ = drained;
    return on_body({});
  }
  if (read_error && !would_block(read_error)) return on_body(read_error);
  asio::async_read(stream_, asio::buffer(body.data() + have, length - have), read_all_available,
                   guarded(shared_from_this(), [](Connection& self, beast::error_code ec, std::size_t) {
                     self.body_read_ = !ec;
                     self.on_body(ec);
                   }));
}

// One receive into the body's rest and, past it, the read-ahead space (a pipelined next head
// lands in buffer_). Fewer bytes than that room leave the socket drained (reactor_read.h): the
// keep-alive read started in this handler need not try — without the room past the body, a
// body read whole would leave that unknown, and the try would fail. The drain rule's blind
// spots hold here too, for the sender's own connection only: an end of stream, or bytes past a
// TCP urgent mark, that came under one edge with the body's last bytes are seen at the
// socket's next edge — a client that closed at once is noticed when its answer's first write
// draws the reset (its request, sent whole, goes upstream); bytes past an urgent mark wait
// until the connection's header deadline closes it.
std::size_t Connection::receive_body_now(asio::mutable_buffer rest, bool& drained, beast::error_code& ec) {
  std::array<asio::mutable_buffer, 2> space{rest, buffer_.prepare(kReadAheadBytes)};
  auto n = receive_now(stream_.socket(), space, ec);
  drained = !ec && n < asio::buffer_size(space);
  auto past_body = n > rest.size() ? n - rest.size() : 0;
  buffer_.commit(past_body);
  return n - past_body;
}

void Connection::read_chunked_body() {
  http::async_read(stream_, buffer_, *parser_, guarded(shared_from_this(), [](Connection& self, beast::error_code ec, std::size_t) {
    if (!ec) self.parser_->body().fit_reservation();
    self.on_body(ec);
  }));
}

// The policy's look at the whole body (see body/pre_forward.h): refuse, or splice the
// forwarded body. False when the request was answered here.
bool Connection::check_before_forward() {
  if (!context_->pre_forward) return true;
  auto& body = parser_->body();
  PreForwardVerdict verdict;
  try {
    verdict = context_->pre_forward(dispatch_, body.view());
  } catch (const std::exception&) {
    answer_refusal(500, "internal_error", "the broker's policy check failed");
    return false;
  }
  if (verdict.refuse) {
    answer_refusal(verdict.status, std::move(verdict.decision), std::move(verdict.reason));
    return false;
  }
  if (verdict.splice && !body.splice(std::move(*verdict.splice))) {
    answer_refusal(500, "internal_error", "the broker's policy asked to rewrite bytes outside the body");
    return false;
  }
  return true;
}

}  // namespace saferun::broker
