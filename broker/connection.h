#pragma once
// One accepted client connection: reads requests (keep-alive and pipelining included) with
// header/body limits and deadlines, decides each with dispatch_request(), and answers.
// Owned by the shared_ptr its pending handler holds. Every handler runs through guarded()
// (broker/guarded_handler.h): an exception fails the request, never the session. No socket
// I/O here is synchronous: one client that does not read can stall only itself.
//
// Bodies: a request's body is read only once the broker-wide BodyBudget has room for it
// (until then it waits unread, in arrival order). A body with a Content-Length is read
// straight into storage of exactly that size, each read taking all the socket holds; a
// chunked body goes through the parser (broker/request_parser.h). Then the PreForwardHook, if any, sees it whole.
// (Those steps live in connection_body.cc; how a head is waited for and read, in
// connection_head.cc.)

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "broker/broker_context.h"
#include "broker/dispatch.h"
#include "broker/head_arena.h"
#include "broker/request_parser.h"
#include "broker/policy/request_meter.h"
#include "broker/policy/session_policy.h"
#include "broker/upstream_watch.h"

namespace saferun::broker {

class ProxyExchange;

class Connection : public std::enable_shared_from_this<Connection>, public UpstreamWatch {
 public:
  Connection(boost::asio::ip::tcp::socket socket, std::shared_ptr<BrokerContext> context);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void start();
  // Cancels whatever is pending; the handlers then let go of this. A request still in flight
  // is recorded (status 499) with `why` as its reason.
  void close(std::string_view why = "client connection closed");
  // How this connection uses its slot, for the listener to reclaim (broker/slot_fairness.h).
  SlotState slot_state() const;
  void on_handler_error(const char* what) noexcept;

  // UpstreamWatch: the exchange's upstream reads, on the connection's deadline timer.
  void upstream_deadline(std::chrono::steady_clock::time_point when) override;
  void upstream_read() override;

 private:
  using Response = boost::beast::http::response<boost::beast::http::string_body>;
  using Clock = std::chrono::steady_clock;
  enum class DeadlineFor { nothing, head, upstream };
  // A request head (and a small body behind it) fits in one read of this size.
  static constexpr std::size_t kReadAheadBytes = 8 * 1024;

  void read_header();
  void read_ahead();
  void on_client_readable(boost::beast::error_code ec);
  void parse_head();
  void read_rest_of_head();
  void set_deadline(Clock::time_point when, DeadlineFor purpose);
  void on_deadline_timer();
  void on_header(boost::beast::error_code ec);
  void on_header_failed(boost::beast::error_code ec);
  void read_body();
  void on_budget(BodyReservation reservation);
  void send_continue_then_read();
  void read_body_bytes();
  void read_sized_body(std::size_t length);
  std::size_t receive_body_now(boost::asio::mutable_buffer rest, bool& drained, boost::beast::error_code& ec);
  void read_chunked_body();
  void on_body(boost::beast::error_code ec);
  bool check_before_forward();
  bool at_message_end() const;
  void answer_forward();
  void admit_by_policy();
  void start_exchange();
  void answer_policy_refusal(const policy::Refusal& refusal);
  void answer_dry_run();
  void on_exchange_done(const struct ExchangeOutcome& outcome);
  void answer_refusal(int status, std::string decision, std::string reason, const policy::Refusal* limits = nullptr);
  void answer(Response response, bool keep_alive);
  void on_sent(bool keep_alive, boost::beast::error_code ec);
  void record(int status, std::size_t bytes_out);
  void log_line(int status) const;

  boost::beast::tcp_stream stream_;
  boost::asio::steady_timer deadline_timer_;  // see connection_deadline.cc
  // Bounded (max_size): a head at the header limit and a read-ahead behind it. A chunk-size
  // line or trailer that would not fit ends the read with buffer_overflow (400) rather than
  // growing it until the body deadline.
  boost::beast::flat_buffer buffer_;
  std::shared_ptr<BrokerContext> context_;
  HeadArena head_arena_;    // the request head's fields; declared before parser_, which frees into it
  HeadArena answer_arena_;  // the relayed answer's head (an exchange holds this connection while it parses)
  std::optional<RequestParser> parser_;
  Response response_;
  Dispatch dispatch_;
  std::shared_ptr<policy::RequestMeter> meter_;  // the policy's view of a forwarded request
  std::string request_id_;
  std::size_t header_bytes_ = 0;
  std::size_t body_bytes_ = 0;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point idle_since_;
  bool closed_ = false;
  bool close_after_answer_ = false;
  bool reserving_ = false;  // inside BodyBudget::reserve: a grant now continues synchronously
  bool body_read_ = false;  // read past the parser (Content-Length bodies)
  bool in_flight_ = false;        // a request head was read and its outcome is not recorded yet
  bool waiting_for_head_ = false;
  bool reading_ahead_ = false;   // read_ahead()'s read is pending: buffer_ must not change
  bool client_drained_ = false;  // this handler's own short read emptied the socket (connection_body.cc)
  bool deadline_armed_ = false;
  Clock::time_point deadline_;
  DeadlineFor deadline_for_ = DeadlineFor::nothing;
  bool client_ended_ = false;    // the client's socket read end of stream (or failed)
  bool writing_answer_ = false;  // an answer of the broker's own is being written
  std::weak_ptr<ProxyExchange> exchange_;  // the answer being relayed, if any
};

}  // namespace saferun::broker
