#pragma once
// How an exchange has its upstream reads timed without a timer of its own: the client
// connection that owns the exchange keeps one lazy timer (connection_deadline.cc) and calls
// ProxyExchange::upstream_timed_out() when a deadline given here passes first.

#include <chrono>

namespace saferun::broker {

class UpstreamWatch {
 public:
  virtual ~UpstreamWatch() = default;
  // An upstream read starts: it must complete by `when`.
  virtual void upstream_deadline(std::chrono::steady_clock::time_point when) = 0;
  // It completed: no deadline until the next one starts.
  virtual void upstream_read() = 0;
};

}  // namespace saferun::broker
