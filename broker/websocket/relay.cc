#include "broker/websocket/relay.h"

#include <algorithm>
#include <array>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <variant>
#include <vector>

#include "broker/ascii.h"
#include "broker/secret_redactor.h"
#include "broker/upstream_pool.h"
#include "broker/websocket/held_message.h"
#include "broker/websocket/message_policy.h"
#include "broker/websocket/relay_leg.h"
#include "broker/websocket/upgrade.h"

namespace saferun::broker::websocket {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ws = beast::websocket;

constexpr std::chrono::seconds kCloseGrace{2};

template <class Next>
class Relay : public std::enable_shared_from_this<Relay<Next>> {
 public:
  Relay(std::shared_ptr<BrokerContext> context, beast::tcp_stream& client, std::shared_ptr<void> owner,
        const Dispatch& dispatch, const UpgradeRequest& request, std::string request_id, ExchangeDone done,
        std::unique_ptr<UpstreamConnection> connection, Next& next)
      : context_(std::move(context)),
        owner_(std::move(owner)),
        route_index_(static_cast<std::size_t>(dispatch.route - context_->routes.data())),
        path_(dispatch.path),
        upstream_target_(dispatch.upstream_target),
        request_id_(std::move(request_id)),
        request_(request),
        done_(std::move(done)),
        connection_(std::move(connection)),
        client_(client),
        upstream_(next),
        redactor_(context_->held_secrets()),
        policy_(context_, route_index_, dispatch.policy_path, request_id_),
        held_(context_->body_budget),
        idle_timer_(client.get_executor()),
        close_timer_(client.get_executor()) {}

  void start() {
    context_->relay_closers[this] = [weak = this->weak_from_this()] {
      if (auto self = weak.lock()) self->close_sockets();
    };
    configure(client_, limits().max_body_bytes, kClient);
    configure(upstream_, 0, kUpstream);  // 0: no limit on what the provider sends
    upstream_.set_option(ws::stream_base::decorator([this](ws::request_type& upgrade) { decorate_upstream(upgrade); }));
    upstream_.async_handshake(upstream_answer_, host_header(route().upstream), upstream_target_,
                              [self = this->shared_from_this()](beast::error_code ec) { self->on_upstream_handshake(ec); });
  }

 private:
  const Route& route() const { return context_->routes[route_index_].route; }
  const BrokerLimits& limits() const { return context_->settings.limits; }

  template <class Operation>
  void with_side(Side side, Operation&& operation) {
    side == kClient ? operation(client_) : operation(upstream_);
  }

  template <class Stream>
  void configure(Stream& stream, std::size_t message_max, Side side) {
    // Beast keeps its own deadlines for a WebSocket; the idle rule is the relay's, for both sides.
    stream.set_option(ws::stream_base::timeout{limits().connect_timeout, ws::stream_base::none(), false});
    stream.read_message_max(message_max);
    stream.auto_fragment(false);
    stream.control_callback([this, side](ws::frame_type kind, beast::string_view payload) {
      if (kind == ws::frame_type::ping) forward_ping(other(side), payload);
    });
  }

  void decorate_upstream(ws::request_type& upgrade) {
    const Route& r = route();
    const auto listed = connection_listed_names(request_);
    for (const auto& field : request_) {
      auto name = field.name_string();
      if (forwards_handshake_header(to_lower(std::string_view(name.data(), name.size())), listed, r.credential.name))
        upgrade.set(name, field.value());
    }
    const auto& secret = context_->routes[route_index_].secret;
    std::string credential;  // reserved up front: no reallocation may leave a copy behind
    credential.reserve(r.credential.prefix.size() + secret.size() + r.credential.suffix.size());
    credential.append(r.credential.prefix).append(secret.reveal()).append(r.credential.suffix);
    upgrade.set(r.credential.name, credential);
    wipe(credential);
  }

  void on_upstream_handshake(beast::error_code ec) {
    if (ec) {
      connection_->close();
      int status = upstream_answer_.result_int();
      if (status >= 400) return fail(status, "the upstream refused the WebSocket upgrade (HTTP " + std::to_string(status) + ")");
      if (ec == beast::error::timeout) return fail(504, "the upstream did not answer the WebSocket upgrade in time");
      return fail(502, "the WebSocket upgrade upstream failed: " + ec.message());
    }
    beast::get_lowest_layer(client_).expires_never();
    client_.set_option(ws::stream_base::decorator([this](ws::response_type& answer) {
      for (const auto& field : upstream_answer_) {
        auto name = field.name_string();
        if (forwards_handshake_response_header(to_lower(std::string_view(name.data(), name.size()))))
          answer.set(name, redactor_.redact(std::string_view(field.value().data(), field.value().size())));
      }
    }));
    client_.async_accept(request_, [self = this->shared_from_this()](beast::error_code accept_ec) {
      if (accept_ec) return self->close_both({ws::close_code::going_away, "client handshake failed"}, 400);
      self->last_activity_ = std::chrono::steady_clock::now();
      self->watch_idle();
      self->read(kClient);
      self->read(kUpstream);
    });
  }

  void read(Side side) {
    if (closing_) return;
    with_side(side, [&](auto& from) {
      from.async_read_some(asio::buffer(legs_[side].buffer),
                           [self = this->shared_from_this(), side](beast::error_code ec, std::size_t n) {
                             // Nothing a message contains may end the session: a handler that
                             // throws closes this relay only (HTTP's handlers are guarded alike).
                             try {
                               self->on_read(side, ec, n);
                             } catch (const std::exception&) {
                               self->close_both({ws::close_code::internal_error, "the broker failed on a message"}, 500);
                             }
                           });
    });
  }

  void on_read(Side side, beast::error_code ec, std::size_t n) {
    if (closing_) return;
    if (ec) return on_read_failed(side, ec);
    last_activity_ = std::chrono::steady_clock::now();
    Leg& leg = legs_[side];
    bool fin = false;
    with_side(side, [&](auto& from) {
      fin = from.is_message_done();
      if (!leg.in_message) leg.text = from.got_text();
    });
    const bool starts = !leg.in_message;
    leg.in_message = !fin;
    std::string_view piece(leg.buffer.data(), n);
    if (side == kClient) return on_client_piece(piece, fin);
    leg.sniffer.push(piece);
    leg.pending.clear();  // what the provider sends is scanned for held secrets
    redactor_.push(piece, leg.pending);
    if (fin) redactor_.finish(leg.pending);
    if (fin && !on_upstream_message()) return;
    if (leg.pending.empty() && !fin) return read(kUpstream);
    to_client_.push_back({std::string(), leg.pending, fin, leg.text, starts});
    pump_client();
  }

  // Client -> upstream: the message is held until it is whole (held_message.h), then the policy
  // decides.
  void on_client_piece(std::string_view piece, bool fin) {
    held_.append(piece);
    if (!fin) return held_.reserve_then([self = this->shared_from_this()] { self->read(kClient); });
    context_->stats.bytes_in += held_.text().size();
    policy_.admit(held_.text(), [self = this->shared_from_this()](MessageVerdict verdict) {
      self->on_verdict(std::move(verdict));
    });
  }

  void on_verdict(MessageVerdict verdict) {
    if (closing_) return;
    if (!verdict.forward) {  // the client's next message is read once this answer is written
      held_.release();
      to_client_.push_back({std::move(verdict.refusal_event), {}, true, true, true});
      return pump_client();
    }
    upstream_.text(legs_[kClient].text);
    upstream_.async_write(asio::buffer(held_.text()), [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (self->closing_) return;
      if (ec) return self->on_read_failed(kUpstream, ec);
      self->held_.release();
      self->read(kClient);
    });
  }

  // A whole upstream message: its usage settles the turn it ends. False (and the relay closes)
  // when it ends a response the broker never admitted.
  bool on_upstream_message() {
    MessageSniffer& sniffer = legs_[kUpstream].sniffer;
    sniffer.finish();
    context_->stats.bytes_out += sniffer.bytes();
    bytes_to_client_ += sniffer.bytes();
    if (policy_.on_upstream_message(sniffer.type(), sniffer.text(), sniffer.whole())) return true;
    close_both({ws::close_code::policy_error, "a response the broker did not admit"}, 101);
    return false;
  }

  // Upstream -> client: the provider's pieces in order, and the broker's own refusal events
  // between the provider's messages (never inside one). One write at a time; a refusal's
  // write completing resumes reading the client, so a client that sends and never reads
  // holds at most one refusal here.
  struct ClientWrite {
    std::string owned;       // a refusal event
    std::string_view bytes;  // or a piece of the upstream leg's pending bytes
    bool fin = true;
    bool text = true;
    bool starts = true;
    bool from_upstream() const { return owned.empty(); }
  };

  void pump_client() {
    if (closing_ || client_busy_ || to_client_.empty()) return;
    // A refusal waits while a provider's message is half written; the piece that ends it is queued first.
    auto next = to_client_.begin();
    if (!next->from_upstream() && client_mid_message_) {
      next = std::find_if(to_client_.begin(), to_client_.end(), [](const ClientWrite& w) { return w.from_upstream(); });
      if (next == to_client_.end()) return;
    }
    ClientWrite write = std::move(*next);
    to_client_.erase(next);
    client_busy_ = true;
    client_mid_message_ = !write.fin;
    if (write.starts) client_.text(write.text);
    const bool upstream = write.from_upstream();  // before `owned` is moved out of it
    auto owned = std::make_shared<std::string>(std::move(write.owned));
    auto bytes = upstream ? write.bytes : std::string_view(*owned);
    client_.async_write_some(write.fin, asio::buffer(bytes.data(), bytes.size()),
                             [self = this->shared_from_this(), owned, upstream](beast::error_code ec, std::size_t) {
                               self->client_busy_ = false;
                               if (self->closing_) return;
                               if (ec) return self->on_read_failed(kClient, ec);
                               self->read(upstream ? kUpstream : kClient);
                               self->pump_client();
                             });
  }

  void forward_ping(Side to, beast::string_view payload) {
    last_activity_ = std::chrono::steady_clock::now();
    if (closing_ || legs_[to].ping_busy) return;  // one in flight per side; later ones are answered locally only
    legs_[to].ping_busy = true;
    with_side(to, [&](auto& stream) {
      stream.async_ping(ws::ping_data(payload), [self = this->shared_from_this(), to](beast::error_code) {
        self->legs_[to].ping_busy = false;
      });
    });
  }

  // `side` stopped: its peer closed (the code and reason are passed on), went away, or sent
  // a message over the limit (Beast has already closed it with 1009).
  void on_read_failed(Side side, beast::error_code ec) {
    ws::close_reason reason;
    if (ec == ws::error::closed) {
      with_side(side, [&](auto& from) { reason = from.reason(); });
    } else if (ec == ws::error::message_too_big) {
      reason = {ws::close_code::going_away, "client message over the broker's limit"};
    } else {
      reason = side == kClient ? ws::close_reason(ws::close_code::going_away, "client went away")
                               : ws::close_reason(ws::close_code::internal_error, "upstream connection lost");
    }
    close_side(other(side), reason);
  }

  void close_side(Side side, const ws::close_reason& reason) {
    if (closing_) return;
    closing_ = true;
    idle_timer_.cancel();
    with_side(side, [&](auto& stream) {
      stream.async_close(reason, [self = this->shared_from_this()](beast::error_code) { self->finish(101); });
    });
    force_finish_later(101);
  }

  void close_both(const ws::close_reason& reason, int status) {
    if (closing_) return;
    closing_ = true;
    idle_timer_.cancel();
    auto closed = std::make_shared<int>(0);
    auto one_done = [self = this->shared_from_this(), closed, status](beast::error_code) {
      if (++*closed == 2) self->finish(status);
    };
    if (client_.is_open()) {
      client_.async_close(reason, one_done);
    } else {
      ++*closed;
    }
    upstream_.async_close(reason, one_done);
    force_finish_later(status);
  }

  void force_finish_later(int status) {
    close_timer_.expires_after(kCloseGrace);
    close_timer_.async_wait([self = this->shared_from_this(), status](beast::error_code ec) {
      if (!ec) self->finish(status);
    });
  }

  void watch_idle() {
    idle_timer_.expires_at(last_activity_ + limits().upstream_idle_timeout);
    idle_timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (ec || self->closing_) return;
      if (std::chrono::steady_clock::now() - self->last_activity_ >= self->limits().upstream_idle_timeout)
        return self->close_both({ws::close_code::going_away, "idle timeout"}, 101);
      self->watch_idle();
    });
  }

  void close_sockets() {
    beast::error_code ignored;
    auto& client_socket = beast::get_lowest_layer(client_).socket();
    client_socket.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    client_socket.close(ignored);
    connection_->close();
  }

  void finish(int status) {
    if (finished_) return;
    finished_ = true;
    idle_timer_.cancel();
    close_timer_.cancel();
    connection_->close();
    context_->relay_closers.erase(this);
    policy_.end();  // turns still open settle as cut streams, before the upgrade's own record
    auto done = std::move(done_);
    done({true, status, {}, false, bytes_to_client_});
  }

  void fail(int status, std::string why) {
    finished_ = true;
    context_->relay_closers.erase(this);
    auto done = std::move(done_);
    done({false, status, std::move(why), false, 0});
  }

  std::shared_ptr<BrokerContext> context_;
  std::shared_ptr<void> owner_;  // keeps the client's socket alive while a handler of ours is pending
  std::size_t route_index_;
  std::string path_;
  std::string upstream_target_;
  std::string request_id_;
  UpgradeRequest request_;  // the client's head (an upgrade has no body)
  ExchangeDone done_;
  std::unique_ptr<UpstreamConnection> connection_;
  ws::stream<beast::tcp_stream&> client_;
  ws::stream<Next&> upstream_;
  ws::response_type upstream_answer_;
  SecretRedactor redactor_;
  MessagePolicy policy_;
  std::array<Leg, 2> legs_;
  HeldMessage held_;  // the client's message until the policy has seen it
  std::deque<ClientWrite> to_client_;
  bool client_busy_ = false;
  bool client_mid_message_ = false;  // a provider's message is half written to the client
  asio::steady_timer idle_timer_;
  asio::steady_timer close_timer_;
  std::chrono::steady_clock::time_point last_activity_;
  std::uint64_t bytes_to_client_ = 0;
  bool closing_ = false;
  bool finished_ = false;
};

}  // namespace

void start_relay(std::shared_ptr<BrokerContext> context, beast::tcp_stream& client, std::shared_ptr<void> client_owner,
                 const Dispatch& dispatch, const ClientHead& request, const std::string& request_id,
                 ExchangeDone done) {
  const auto route_index = static_cast<std::size_t>(dispatch.route - context->routes.data());
  auto& pool = *context->pool;
  // A fresh connection, never an idle one: the WebSocket takes it over for good.
  pool.connect(dispatch.route->route, route_index,
               [context, &client, client_owner, dispatch, request = copy_of_head(request), request_id, done](
                   ConnectFailure failure, std::string why, std::unique_ptr<UpstreamConnection> connection) mutable {
                 if (failure != ConnectFailure::none)
                   return done({false, failure == ConnectFailure::timeout ? 504 : 502, std::move(why), false, 0});
                 std::visit(
                     [&](auto& stream) {
                       using Next = std::decay_t<decltype(*stream)>;
                       Next& next = *stream;
                       std::make_shared<Relay<Next>>(context, client, client_owner, dispatch, request, request_id,
                                                     std::move(done), std::move(connection), next)
                           ->start();
                     },
                     connection->stream);
               });
}

}  // namespace saferun::broker::websocket
