// The connection's one timer, for two deadlines that never run at once: header_timeout while
// it waits for a request head (connection_head.cc), and upstream_idle_timeout for each read
// of the upstream's answer while an exchange relays it (UpstreamWatch, proxy_exchange.h).
//
// Lazy: setting a deadline only records it. The timer is armed when none is pending, moved
// only when a deadline comes earlier than it, and re-armed when it fires before the deadline
// it finds. Per request that is no timer operation at all — where a timer per read costs an
// arm, a cancel and a cancelled handler's round through the event loop.

#include "broker/connection.h"
#include "broker/guarded_handler.h"
#include "broker/proxy_exchange.h"

namespace saferun::broker {

namespace beast = boost::beast;

void Connection::set_deadline(Clock::time_point when, DeadlineFor purpose) {
  deadline_ = when;
  deadline_for_ = purpose;
  if (purpose == DeadlineFor::nothing || closed_) return;
  if (deadline_armed_ && deadline_timer_.expiry() <= when) return;
  deadline_armed_ = true;
  deadline_timer_.expires_at(when);  // cancels a later wait, whose handler then does nothing
  deadline_timer_.async_wait(guarded(shared_from_this(), [](Connection& self, beast::error_code ec) {
    if (ec == boost::asio::error::operation_aborted) return;
    self.deadline_armed_ = false;
    if (!ec && !self.closed_) self.on_deadline_timer();
  }));
}

void Connection::upstream_deadline(Clock::time_point when) { set_deadline(when, DeadlineFor::upstream); }

void Connection::upstream_read() { deadline_for_ = DeadlineFor::nothing; }

void Connection::on_deadline_timer() {
  if (deadline_for_ == DeadlineFor::nothing) return;
  if (Clock::now() < deadline_) return set_deadline(deadline_, deadline_for_);
  if (deadline_for_ == DeadlineFor::upstream) {
    deadline_for_ = DeadlineFor::nothing;
    if (auto exchange = exchange_.lock()) exchange->upstream_timed_out();
    return;
  }
  // A head partly read is under Beast's own deadline (read_rest_of_head); one not begun is here.
  if (waiting_for_head_ && reading_ahead_) close("no request head within the header timeout");
}

}  // namespace saferun::broker
