#include "broker/proxy_exchange.h"

#include <array>
#include <limits>
#include <boost/beast/core/buffers_suffix.hpp>
#include <boost/beast/http/error.hpp>
#include <optional>

#include "broker/answer_body_filter.h"
#include "broker/answer_framing.h"
#include "broker/answer_parser.h"
#include "broker/field_lookup.h"
#include "broker/guarded_handler.h"
#include "broker/response_head.h"
#include "broker/io_now.h"
#include "broker/upstream_pool.h"

namespace saferun::broker {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr std::uint32_t kUpstreamHeaderLimit = 256 * 1024;
// The most one read from the upstream asks for. A relay step passes on what is buffered: one
// read's bytes, or after the head what its reads brought past it (under kUpstreamHeaderLimit).
constexpr std::size_t kUpstreamReadBytes = 64 * 1024;

constexpr int kMaxInterimAnswers = 8;  // 1xx heads skipped before the final answer

class Exchange final : public ProxyExchange, public std::enable_shared_from_this<Exchange> {
 public:
  Exchange(std::shared_ptr<BrokerContext> context, beast::tcp_stream& client, std::shared_ptr<void> client_owner,
           UpstreamWatch& watch, HeadArena& answer_arena, const Dispatch& dispatch, const ClientHead& request,
           RequestBody& body, bool client_keep_alive, std::shared_ptr<policy::RequestMeter> meter, ExchangeDone done)
      : context_(std::move(context)),
        client_(client),
        client_owner_(std::move(client_owner)),
        watch_(watch),
        answer_arena_(answer_arena),
        route_index_(static_cast<std::size_t>(dispatch.route - context_->routes.data())),
        client_keep_alive_(client_keep_alive),
        head_request_(request.method() == http::verb::head),
        request_(make_upstream_request(request, std::move(body), dispatch.route->route, dispatch.route->credential_line,
                                       dispatch.upstream_target)),
        filter_(context_->held_secrets(), std::move(meter)),
        done_(std::move(done)) {}

  void start() override {
    upstream_ = context_->pool->take(route_index_);
    upstream_ ? send_request() : connect();
  }

  void client_gone() override { abort(); }

  void upstream_timed_out() override {
    if (finished_ || !upstream_) return;
    upstream_timed_out_ = true;
    upstream_->close();  // the pending read completes, and is reported as timed out
  }

  // Never throws (see guarded_handler.h): fails the exchange as best it can.
  void on_handler_error(const char* what) noexcept {
    try {
      if (finished_) return;
      if (upstream_) upstream_->close();
      if (!response_started_ || bytes_out_ == 0) return fail(502, std::string("internal error: ") + what);
      abort();
    } catch (...) {
      finished_ = true;
    }
  }

 private:
  const Route& route() const { return context_->routes[route_index_].route; }
  const BrokerLimits& limits() const { return context_->settings.limits; }

  template <class Operation>
  void with_stream(Operation&& operation) {
    std::visit([&](auto& stream) { operation(*stream); }, upstream_->stream);
  }

  void connect() {
    context_->pool->connect(route(), route_index_,
                            guarded(shared_from_this(), [](Exchange& self, ConnectFailure failure, std::string why,
                                                           std::unique_ptr<UpstreamConnection> connection) {
                              if (self.finished_) return;
                              if (failure != ConnectFailure::none)
                                return self.fail(failure == ConnectFailure::timeout ? 504 : 502, why);
                              self.upstream_ = std::move(connection);
                              self.send_request();
                            }));
  }

  // On a plain connection the request is first written without waiting (it usually fits the
  // socket whole), saving a round through the event loop; what is left goes asynchronously.
  void send_request() {
    std::size_t written_now = 0;
    if (auto* plain = std::get_if<std::unique_ptr<PlainUpstream>>(&upstream_->stream)) {
      beast::error_code ec;
      written_now = write_upstream_request_now((*plain)->socket(), request_, ec);
      request_sent_now_ = !ec;
      if (!would_block(ec)) return on_request_written(ec, written_now);
    }
    upstream_->tcp().expires_after(limits().body_timeout);
    writing_request_ = true;
    with_stream([&](auto& stream) {
      async_write_upstream_request(stream, request_, written_now,
                                   guarded(shared_from_this(), [written_now](Exchange& self, beast::error_code ec, std::size_t n) {
                                     self.writing_request_ = false;
                                     if (self.finished_) return self.request_.body.release();
                                     self.on_request_written(ec, written_now + n);
                                   }));
    });
  }

  void on_request_written(beast::error_code ec, std::size_t n) {
    if (ec && n == 0) return retry_or_fail(ec, "sending the request upstream failed");
    // Partly written: the upstream may have answered early (a 413) before closing; its answer,
    // if any, is read and passed on.
    if (ec) write_error_ = ec;
    read_response_head();
  }

  void read_response_head() {
    parser_.emplace(HeadAllocator<char>(answer_arena_));
    // Unlimited, but spelled as the largest value: Boost 1.74 compares Content-Length against
    // an empty optional as "over the limit" (basic_parser.ipp finish_header).
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    parser_->header_limit(kUpstreamHeaderLimit);
    if (head_request_) parser_->skip(true);
    parse_response_head();
  }

  // The upstream's bytes are read as they come and parsed in place (Beast's read operations
  // would add a composed operation and a stream timer check per read).
  void parse_response_head() {
    if (upstream_->buffer.size() > 0) {
      request_sent_now_ = false;  // bytes already came: the reads that follow are Asio's
      beast::error_code ec;
      const auto bytes = upstream_->buffer.data();
      upstream_->buffer.consume(parser_->put_head({static_cast<const char*>(bytes.data()), bytes.size()}, ec));
      if (!ec && parser_->is_header_done()) return on_response_head();
      if (ec != http::error::need_more) return on_response_head_failed(ec);
    }
    read_upstream(guarded(shared_from_this(), [](Exchange& self, beast::error_code ec, std::size_t n) {
      if (self.finished_) return;
      self.upstream_->buffer.commit(n);
      ec = self.upstream_read_ended(ec);
      if (ec == asio::error::eof) ec = self.parser_->got_some() ? http::error::partial_message : http::error::end_of_stream;
      if (ec) return self.on_response_head_failed(ec);
      self.parse_response_head();
    }));
  }

  void on_response_head_failed(beast::error_code ec) {
    if (write_error_) return fail_upstream(write_error_, "sending the request upstream failed");
    fail_upstream(ec, "reading the upstream's answer failed");
  }

  void on_response_head() {
    if (parser_->head().status() / 100 != 1) return start_response();
    if (parser_->head().status() == 101) {  // WebSocket upgrades take another path (broker/websocket)
      upstream_->close();
      return fail(502, "the upstream switched protocols for a request that did not ask it to");
    }
    // 103 Early Hints and the like: not relayed. Endless ones are not an answer.
    if (++interim_answers_ > kMaxInterimAnswers) {
      upstream_->close();
      return fail(502, "the upstream sent more than " + std::to_string(kMaxInterimAnswers) + " interim (1xx) answers");
    }
    read_response_head();
  }

  // Raw bytes into upstream_->buffer (the handler commits them), on the connection's deadline
  // watch; the first after a request written whole in this handler without a try (reactor_read.h).
  template <class Handler>
  void read_upstream(Handler&& handler) {
    watch_upstream();
    auto space = upstream_->buffer.prepare(kUpstreamReadBytes);
    if (std::exchange(request_sent_now_, false)) return upstream_->async_read_some_untried(space, std::forward<Handler>(handler));
    upstream_->async_read_some(space, std::forward<Handler>(handler));
  }

  // Timed by the client connection's lazy timer rather than the stream's own (a timer armed and
  // cancelled, and a cancelled handler run, for every read).
  void watch_upstream() {
    upstream_->tcp().expires_never();
    watch_.upstream_deadline(std::chrono::steady_clock::now() + limits().upstream_idle_timeout);
  }

  beast::error_code upstream_read_ended(beast::error_code ec) {
    watch_.upstream_read();
    return upstream_timed_out_ ? beast::error::timeout : ec;
  }

  // Only for a request of which nothing was written: it cannot have reached the upstream.
  void retry_or_fail(beast::error_code ec, const char* what) {
    if (upstream_->reused && !retried_ && is_stale_connection_error(ec)) {
      retried_ = true;
      upstream_->close();
      upstream_.reset();
      return connect();
    }
    fail_upstream(ec, what);
  }

  void fail_upstream(beast::error_code ec, const char* what) {
    upstream_->close();
    if (ec == beast::error::timeout) return fail(504, "the upstream did not answer in time");
    fail(502, std::string(what) + ": " + ec.message());
  }

  // The upstream's head, cleaned for the client, then the body relayed as it comes.
  void start_response() {
    request_.body.release();  // the upstream answers: no retry will need the body again
    const auto& head = parser_->head();
    if (filter_.redactor().active() && is_encoded(head)) {
      upstream_->close();
      return fail(502, "the upstream sent an encoded (compressed) answer, which the broker cannot scan for "
                       "secrets; it asks for identity encoding");
    }
    // The parser's view, not the head's: a body that runs to the close ends the connection too.
    upstream_keep_alive_ = parser_->keep_alive() && !write_error_;
    if (auto* meter = filter_.meter()) {  // policy hook: the meter learns the answer's format before any byte passes
      meter->on_answer(head.status(), first_field_value(head, http::field::content_type).value_or(""),
                       first_field_value(head, http::field::content_encoding).value_or(""));
    }
    framing_.start([&](std::string& out) { append_client_head(out, head, filter_.redactor()); },
                   answer_shape(head.status()));
    parser_->eager(true);  // from here each parse takes all the buffered body it can, chunk heads included
    response_started_ = true;
    // Body bytes already here (a small JSON answer) go out with the head in one write; when
    // none are (a stream still thinking), the head goes out now so the client sees it at once.
    if (upstream_->buffer.size() > 0 || parser_->is_done()) return relay_next();
    write_chunk(false);
  }

  AnswerShape answer_shape(unsigned status) {
    // Clients wait for a slot: this one is freed after the answer (broker/slot_fairness.h).
    if (client_keep_alive_ && status >= 200 && context_->slots.yield_now()) client_keep_alive_ = false;
    auto length = parser_->content_length();
    return shape_for({status, head_request_, length ? std::optional<std::uint64_t>(*length) : std::nullopt,
                      parser_->chunked(), filter_.edits_body()},
                     client_keep_alive_);
  }

  void relay_next() {
    if (parser_->is_done()) return write_chunk(true);
    if (parse_buffered()) return;
    // The parser took all it could and gave nothing: a chunk's size line, say, not whole yet.
    if (upstream_->buffer.size() >= kUpstreamHeaderLimit) return on_body_read(http::error::header_limit);
    if (framing_.head_pending()) return write_chunk(false);  // the client sees the head before the wait
    read_upstream(guarded(shared_from_this(), [](Exchange& self, beast::error_code ec, std::size_t n) {
      if (self.finished_) return;
      self.upstream_->buffer.commit(n);
      ec = self.upstream_read_ended(ec);
      if (ec == asio::error::eof) self.parser_->put_eof(ec);  // the end of a read-to-close body, or a cut
      if (ec || self.parser_->is_done()) return self.on_body_read(ec);
      self.relay_next();
    }));
  }

  // The buffered bytes (a small JSON answer comes whole with its head) parsed here, without a
  // round through the event loop: each piece of body goes through the filter into pending_
  // straight from the upstream's read buffer. True when it took the step.
  bool parse_buffered() {
    if (upstream_->buffer.size() == 0) return false;
    beast::error_code ec;
    std::size_t body_bytes = 0;
    auto pass = [&](std::string_view piece) {
      body_bytes += piece.size();
      filter_.pass(piece, pending_);
    };
    upstream_->buffer.consume(parser_->put_body(upstream_->buffer.data(), pass, ec));
    if (ec == http::error::need_more) ec = {};
    if (!ec && !parser_->is_done() && body_bytes == 0) return false;
    on_body_read(ec);
    return true;
  }

  // pending_ holds what the client may have of the body parsed so far.
  void on_body_read(beast::error_code ec) {
    // Nothing sent to the client yet: a clear 502 rather than silence.
    if (ec && bytes_out_ == 0) return fail_upstream(ec, "the upstream's answer broke off");
    if (ec) return abort();
    write_chunk(parser_->is_done());
  }

  void end_meter(policy::Ending ending) {
    if (auto* meter = filter_.meter()) meter->end(ending);
  }

  // pending_ (and the head, the first time) to the client: written now as far as the socket
  // takes it, the rest asynchronously.
  void write_chunk(bool last) {
    if (last) filter_.finish(pending_);
    beast::buffers_suffix<AnswerFraming::Buffers> rest(framing_.next(pending_, last));
    beast::error_code write_error;
    auto written = write_now(client_.socket(), rest, write_error);
    bytes_out_ += written;
    rest.consume(written);
    if (asio::buffer_size(rest) == 0) return on_chunk_written(last);
    if (!would_block(write_error)) return abort();
    client_.expires_after(limits().write_timeout);
    asio::async_write(client_, rest, all_available,
                      guarded(shared_from_this(), [last](Exchange& self, beast::error_code ec, std::size_t n) {
                        if (self.finished_) return;
                        self.bytes_out_ += n;
                        if (ec) return self.abort();
                        self.on_chunk_written(last);
                      }));
  }

  void on_chunk_written(bool last) {
    pending_.clear();
    last ? complete() : relay_next();
  }

  void complete() {
    if (finished_) return;
    finished_ = true;
    // Bytes past the answer's end were never asked for: such a connection is not reused.
    if (upstream_keep_alive_ && parser_->is_done() && !write_error_ && upstream_->buffer.size() == 0) {
      context_->pool->put(std::move(upstream_));
    } else {
      upstream_->close();
    }
    end_meter(policy::Ending::answered);
    finish({true, static_cast<int>(parser_->head().status()), {}, client_keep_alive_, bytes_out_});
  }

  // After the response started, the only honest signal left is to cut both connections.
  void abort() {
    if (finished_) return;
    finished_ = true;
    if (upstream_) upstream_->close();
    end_meter(policy::Ending::cut);
    if (!response_started_) return finish({true, 499, "the client went away before the answer", false, 0});
    finish({true, static_cast<int>(parser_->head().status()), "stream cut", false, bytes_out_});
  }

  void fail(int status, std::string why) {
    if (finished_) return;
    finished_ = true;
    end_meter(policy::Ending::failed);
    finish({false, status, std::move(why), client_keep_alive_, 0});
  }

  // The body is let go (and its share of the body budget with it) — unless a write of it is
  // still pending: a TLS write goes on reading it until its cancellation completes, and then
  // lets it go.
  void finish(ExchangeOutcome outcome) {
    if (!writing_request_) request_.body.release();
    auto done = std::move(done_);
    done(std::move(outcome));
  }

  std::shared_ptr<BrokerContext> context_;
  beast::tcp_stream& client_;
  std::shared_ptr<void> client_owner_;  // keeps client_ and watch_ alive while any handler of ours is pending
  UpstreamWatch& watch_;
  HeadArena& answer_arena_;  // the answer head's fields (client_owner_'s, which outlives parser_)
  std::size_t route_index_;
  bool client_keep_alive_;
  bool head_request_;
  UpstreamRequest request_;
  AnswerBodyFilter filter_;
  ExchangeDone done_;
  std::unique_ptr<UpstreamConnection> upstream_;
  std::optional<AnswerParser> parser_;
  AnswerFraming framing_;
  std::string pending_;
  std::uint64_t bytes_out_ = 0;
  bool retried_ = false;
  int interim_answers_ = 0;
  beast::error_code write_error_;  // the request was partly written when this happened
  bool upstream_keep_alive_ = false;
  bool response_started_ = false;
  bool upstream_timed_out_ = false;
  bool writing_request_ = false;  // an asynchronous write of the request (its body) is pending
  bool request_sent_now_ = false;  // written whole by send_request itself, in this handler
  bool finished_ = false;
};

}  // namespace

std::shared_ptr<ProxyExchange> make_proxy_exchange(std::shared_ptr<BrokerContext> context, beast::tcp_stream& client,
                                                   std::shared_ptr<void> client_owner, UpstreamWatch& watch,
                                                   HeadArena& answer_arena, const Dispatch& dispatch,
                                                   const ClientHead& request, RequestBody& body, bool client_keep_alive,
                                                   std::shared_ptr<policy::RequestMeter> meter, ExchangeDone done) {
  return std::make_shared<Exchange>(std::move(context), client, std::move(client_owner), watch, answer_arena, dispatch,
                                    request, body, client_keep_alive, std::move(meter), std::move(done));
}

}  // namespace saferun::broker
