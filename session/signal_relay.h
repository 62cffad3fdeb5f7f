#pragma once
// Receives the relayed signals on the session's event loop and acts on plan_for_signal().
//
// A signalfd rather than asio::signal_set: forwarding exactly once needs each signal's
// si_code (see signal_plan.h), which a signal_set does not report. The signals are blocked
// while the relay exists and unblocked again in the child before exec.

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <csignal>

namespace saferun::session {

class SignalRelay {
 public:
  // Blocks the relayed signals and opens the signalfd; throws SetupError on failure.
  SignalRelay(boost::asio::io_context& io, std::chrono::seconds grace);
  ~SignalRelay();  // restores the signal mask
  SignalRelay(const SignalRelay&) = delete;
  SignalRelay& operator=(const SignalRelay&) = delete;

  void relay_to(pid_t child);
  // Ends the child as a Ctrl-C would (SIGINT, then SIGKILL after the grace period).
  void interrupt();
  void stop();  // the child has exited: forward nothing more, kill nothing

 private:
  void wait_for_signal();
  void drain();
  void handle(int signal_number, int si_code);

  boost::asio::posix::stream_descriptor descriptor_;
  boost::asio::steady_timer grace_timer_;
  std::chrono::seconds grace_;
  sigset_t previous_mask_{};
  pid_t child_ = -1;
  bool grace_started_ = false;
  bool stopped_ = false;
};

}  // namespace saferun::session
