#include "broker/metered_record.h"
#include "broker/connection.h"

#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <ostream>

#include "broker/dry_run.h"
#include "broker/error_body.h"
#include "broker/field_lookup.h"
#include "broker/guarded_handler.h"
#include "broker/proxy_exchange.h"
#include "broker/request_framing.h"
#include "broker/status_report.h"
#include "broker/websocket/relay.h"
#include "broker/websocket/upgrade.h"

namespace saferun::broker {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

RequestHead head_of(const ClientHead& request) {
  return {websocket::allowlist_method(request),  // "WS" for an upgrade: allowed only by a WS rule
          request.target(),
          {first_field_value(request, "x-api-key"), first_field_value(request, http::field::authorization),
           first_field_value(request, "x-goog-api-key")}};
}

bool is_client_gone(beast::error_code ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
         ec == beast::error::timeout;
}

// Statuses for a request Beast could not parse; everything unexpected is a plain 400.
int status_for_parse_error(beast::error_code ec) {
  if (ec == http::error::body_limit) return 413;
  if (ec == http::error::header_limit) return 431;
  return 400;
}

}  // namespace

Connection::Connection(asio::ip::tcp::socket socket, std::shared_ptr<BrokerContext> context)
    : stream_(std::move(socket)), deadline_timer_(stream_.get_executor()), context_(std::move(context)) {
  context_->connections.insert(this);
  buffer_.reserve(kReadAheadBytes);
  buffer_.max_size(context_->settings.limits.max_header_bytes + kReadAheadBytes);
}

Connection::~Connection() {
  context_->connections.erase(this);
  if (context_->on_connection_closed) context_->on_connection_closed();
}

void Connection::start() { read_header(); }

SlotState Connection::slot_state() const {
  if (closed_) return {SlotUse::closing, idle_since_};
  if (!request_id_.empty() && !dispatch_.authenticated) return {SlotUse::token_less, idle_since_};
  return {waiting_for_head_ ? SlotUse::idle : SlotUse::serving, idle_since_};
}

void Connection::close(std::string_view why) {
  if (closed_) return;
  closed_ = true;
  if (in_flight_) {
    dispatch_.reason = std::string(why);
    if (dispatch_.decision == "allowed") dispatch_.decision = "interrupted";
    record(499, 0);
  }
  deadline_timer_.cancel();
  beast::error_code ignored;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  stream_.socket().close(ignored);
  // An exchange in flight lets its upstream request go now (its read-ahead, which would have
  // told it, returns without a word once the connection is closed).
  if (auto exchange = exchange_.lock()) exchange->client_gone();
}

// Never lets an exception out (it runs inside a handler's catch): the request is answered
// 500 when nothing of its answer was sent yet, else the connection is cut.
void Connection::on_handler_error(const char* what) noexcept {
  try {
    if (context_->settings.log != nullptr)
      *context_->settings.log << ("safe-run: internal error: " + std::string(what) + "\n") << std::flush;
    if (in_flight_ && !closed_ && dispatch_.action != Action::forward) {  // nothing of its answer sent yet
      close_after_answer_ = true;
      return answer_refusal(500, "internal_error", "internal error in the broker");
    }
  } catch (...) {
  }
  close("internal error in the broker");
}

void Connection::on_header(beast::error_code ec) {
  if (ec) return on_header_failed(ec);
  started_ = std::chrono::steady_clock::now();
  request_id_ = "req_" + std::to_string(context_->next_request++);
  in_flight_ = true;
  dispatch_ = dispatch_request(head_of(parser_->head()), context_->routes, context_->token);
  if (context_->expired && dispatch_.action != Action::preflight)
    return answer_refusal(401, "denied_expired", "this safe-run session has expired (--ttl); its token no longer works");
  if (auto problem = framing_problem(parser_->head()); problem && dispatch_.action != Action::refuse) {
    close_after_answer_ = true;
    return answer_refusal(400, "bad_request", "malformed HTTP request: " + *problem);
  }
  switch (dispatch_.action) {
    case Action::preflight:
      // A preconnect has no body: one it would read could only hold body budget unauthenticated.
      if (!parser_->is_done()) return answer_refusal(400, "bad_request", "a HEAD preconnect carries no body");
      [[fallthrough]];
    case Action::status:
    case Action::forward:
      return read_body();
    case Action::refuse:
      return answer_refusal(dispatch_.status, dispatch_.decision, dispatch_.reason);
  }
}

void Connection::on_header_failed(beast::error_code ec) {
  if (is_client_gone(ec) || closed_) return close();
  started_ = std::chrono::steady_clock::now();
  request_id_ = "req_" + std::to_string(context_->next_request++);
  in_flight_ = true;
  auto target = parser_->head().target();
  dispatch_ = Dispatch{};
  dispatch_.path = std::string(target.substr(0, target.find('?')));
  dispatch_.route = find_route(context_->routes, dispatch_.path);
  if (dispatch_.route != nullptr) dispatch_.provider = dispatch_.route->route.provider;
  int status = status_for_parse_error(ec);
  auto what = status == 413   ? "request body exceeds the broker's limit of " +
                                  std::to_string(context_->settings.limits.max_body_bytes) +
                                  " bytes"
              : status == 431 ? std::string("request header fields too large")
                              : "malformed HTTP request: " + ec.message();
  answer_refusal(status, status == 400 ? "bad_request" : "too_large", what);
}

void Connection::on_body(beast::error_code ec) {
  if (ec == http::error::body_limit) {
    return answer_refusal(413, "too_large",
                          "request body exceeds the broker's limit of " +
                              std::to_string(context_->settings.limits.max_body_bytes) + " bytes");
  }
  if (ec == beast::error::timeout) return answer_refusal(408, "timeout", "request body timed out");
  if (is_client_gone(ec) || closed_) return close();
  if (parser_->refused_trailer()) return answer_refusal(400, "bad_request", "request trailer fields are not accepted");
  if (ec == http::error::buffer_overflow) {
    return answer_refusal(400, "bad_request", "chunk-size line or trailer section over the broker's read buffer of " +
                                                  std::to_string(buffer_.max_size()) + " bytes (max_header_bytes + " +
                                                  std::to_string(kReadAheadBytes) + ")");
  }
  if (ec) return answer_refusal(400, "bad_request", "malformed HTTP request: " + ec.message());
  body_bytes_ = parser_->body().size();  // counted now: a forward moves the body away
  const bool keep_alive = parser_->keep_alive();
  switch (dispatch_.action) {
    case Action::preflight: {
      Response response{http::status::ok, 11};
      response.content_length(0);
      return answer(std::move(response), keep_alive);
    }
    case Action::status: {
      Response response{http::status::ok, 11};
      response.set(http::field::content_type, "application/json");
      response.body() = status_report(*context_);
      return answer(std::move(response), keep_alive);
    }
    default:
      return answer_forward();
  }
}

void Connection::answer_forward() {
  if (context_->settings.dry_run) return answer_dry_run();
  if (websocket::asks_for_upgrade(parser_->head())) {
    // The connection is the relay's from here on; whatever its answer, it is not reused.
    close_after_answer_ = true;
    if (!websocket::is_websocket_upgrade(parser_->head()))
      return answer_refusal(501, "not_implemented", "the broker relays only WebSocket upgrades; use HTTP");
    return websocket::start_relay(context_, stream_, shared_from_this(), dispatch_, parser_->head(), request_id_,
                                  [self = shared_from_this()](ExchangeOutcome outcome) { self->on_exchange_done(outcome); });
  }
  if (!check_before_forward()) return;
  admit_by_policy();
}

// Policy hook 1: plan (model, ceiling, price; may edit the body), then reserve in the ledger.
void Connection::admit_by_policy() {
  auto& body = parser_->body();
  policy::Refusal refusal;
  meter_ = context_->policy->plan(dispatch_.route->route.name, parser_->head().method_string(), dispatch_.policy_path,
                                  body.view(), request_id_, refusal);
  if (!meter_) return answer_policy_refusal(refusal);
  // Spliced into what is forwarded: the received bytes neither move nor are copied.
  for (auto& splice : meter_->body_edited() ? meter_->take_body_splices() : std::vector<BodySplice>{}) {
    if (body.splice(std::move(splice))) continue;
    meter_.reset();
    return answer_refusal(500, "internal_error", "the broker's policy edit collides with another edit of the body");
  }
  context_->policy->reserve(meter_, guarded(shared_from_this(), [](Connection& self, std::optional<policy::Refusal> refused) {
                              if (self.closed_) return;  // the meter settles when the connection lets go of it
                              if (refused) return self.answer_policy_refusal(*refused);
                              self.start_exchange();
                            }));
}

// While the answer is relayed, a read stays pending on the client's socket (connection_head.cc):
// end of stream there means the client is gone, and the exchange lets the upstream go.
void Connection::start_exchange() {
  auto exchange = make_proxy_exchange(context_, stream_, shared_from_this(), *this, answer_arena_, dispatch_, parser_->head(),
                                      parser_->body(), parser_->keep_alive(), meter_,
                                      guarded(shared_from_this(), [](Connection& self, ExchangeOutcome outcome) {
                                        self.on_exchange_done(outcome);
                                      }));
  exchange_ = exchange;
  read_ahead();
  exchange->start();
}

void Connection::answer_policy_refusal(const policy::Refusal& refusal) {
  meter_.reset();
  answer_refusal(refusal.status, refusal.decision, refusal.reason, &refusal);
}

void Connection::on_exchange_done(const ExchangeOutcome& outcome) {
  exchange_.reset();
  if (!outcome.response_started) {
    return answer_refusal(outcome.status, outcome.status == 504 ? "upstream_timeout" : "upstream_error",
                          outcome.reason);
  }
  if (!outcome.reason.empty()) dispatch_.reason = outcome.reason;
  record(outcome.status, outcome.bytes_out);
  if (!outcome.client_keep_alive || closed_) return close();
  read_header();
}

void Connection::answer_dry_run() {
  Response response{http::status::ok, 11};
  response.set(http::field::content_type, "application/json");
  response.body() = dry_run_body(dispatch_, parser_->head().method_string(), parser_->body().view());
  answer(std::move(response), parser_->keep_alive());
}

void Connection::answer_refusal(int status, std::string decision, std::string reason, const policy::Refusal* limits) {
  dispatch_.action = Action::refuse;
  dispatch_.status = status;
  dispatch_.decision = std::move(decision);
  dispatch_.reason = std::move(reason);
  Response response{static_cast<http::status>(status), 11};
  response.set(http::field::content_type, "application/json");
  if (status == 401 || (limits && !limits->should_retry)) response.set("x-should-retry", "false");
  if (limits && limits->retry_after_seconds) response.set(http::field::retry_after, std::to_string(*limits->retry_after_seconds));
  response.body() = error_body(dispatch_.provider, status, dispatch_.reason);
  // Once a request is refused before its body was read, the stream cannot be trusted to be
  // at a message boundary: answer and close.
  bool keep_alive = at_message_end() && parser_->keep_alive() && !close_after_answer_;
  answer(std::move(response), keep_alive);
}

void Connection::answer(Response response, bool keep_alive) {
  response.set("x-safe-run-request-id", request_id_);
  if (keep_alive && context_->slots.yield_now()) keep_alive = false;  // clients wait for a slot
  response.keep_alive(keep_alive);
  if (response.body().size() > 0 || response.result() != http::status::ok) response.prepare_payload();
  response_ = std::move(response);
  if (parser_) parser_->body().release();  // answered here: the body is not needed any more
  record(response_.result_int(), response_.body().size());
  stream_.expires_after(context_->settings.limits.write_timeout);
  writing_answer_ = true;
  http::async_write(stream_, response_,
                    guarded(shared_from_this(), [keep_alive](Connection& self, beast::error_code ec, std::size_t) {
                      self.writing_answer_ = false;
                      self.on_sent(keep_alive, ec);
                    }));
}

void Connection::on_sent(bool keep_alive, beast::error_code ec) {
  if (ec || !keep_alive) return close();
  read_header();
}

void Connection::record(int status, std::size_t bytes_out) {
  if (!in_flight_) return;  // recorded once: answered, or cut when the connection closed
  in_flight_ = false;
  auto& stats = context_->stats;
  (status < 400 ? stats.served : stats.denied) += 1;
  std::uint64_t bytes_in = header_bytes_ + body_bytes_;
  stats.bytes_in += bytes_in;
  stats.bytes_out += bytes_out;
  AuditEvent event;
  event.time = rfc3339_now();
  event.request_id = request_id_;
  event.route = dispatch_.route ? dispatch_.route->route.name : "";
  event.method = std::string(parser_ ? parser_->head().method_string() : "");
  event.path = dispatch_.path;
  event.status = status;
  event.decision = dispatch_.decision;
  event.reason = dispatch_.reason;
  event.bytes_in = bytes_in;
  event.bytes_out = bytes_out;
  event.authenticated = dispatch_.authenticated;
  event.latency_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started_).count();
  event.session = context_->settings.session_id;
  if (meter_) {  // policy hook 3: what the request used, settled by now
    event.model = meter_->plan().model;
    event.metered = meter_->plan().metered;
    record_usage(*meter_, event);
    meter_.reset();
  }
  context_->audit.record(std::move(event));
  log_line(status);
}

// One write per line: stderr is unbuffered, and the agent writes to the same terminal.
void Connection::log_line(int status) const {
  if (context_->settings.log == nullptr) return;
  std::string line = "safe-run: ";
  line.append(parser_->head().method_string());
  line += ' ';
  line += dispatch_.path;
  line += " -> ";
  line += std::to_string(status);
  line += ' ';
  line += dispatch_.decision;
  line += '\n';
  *context_->settings.log << line << std::flush;
}

}  // namespace saferun::broker
