#include "session/signal_relay.h"

#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "session/setup_error.h"
#include "session/signal_plan.h"

namespace saferun::session {
namespace {

sigset_t relayed_set() {
  sigset_t set;
  ::sigemptyset(&set);
  for (int signal_number : relayed_signals()) ::sigaddset(&set, signal_number);
  return set;
}

int open_signalfd(const sigset_t& set) {
  int fd = ::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd < 0) throw SetupError(std::string("signalfd: ") + std::strerror(errno));
  return fd;
}

}  // namespace

SignalRelay::SignalRelay(boost::asio::io_context& io, std::chrono::seconds grace)
    : descriptor_(io), grace_timer_(io), grace_(grace) {
  sigset_t set = relayed_set();
  ::sigprocmask(SIG_BLOCK, &set, &previous_mask_);
  descriptor_.assign(open_signalfd(set));
}

SignalRelay::~SignalRelay() {
  stop();
  boost::system::error_code ignored;
  descriptor_.close(ignored);
  ::sigprocmask(SIG_SETMASK, &previous_mask_, nullptr);
}

void SignalRelay::relay_to(pid_t child) {
  child_ = child;
  wait_for_signal();
}

void SignalRelay::interrupt() {
  if (!stopped_ && child_ > 0) handle(SIGINT, SI_USER);
}

void SignalRelay::stop() {
  stopped_ = true;
  boost::system::error_code ignored;
  descriptor_.cancel(ignored);
  grace_timer_.cancel();
}

void SignalRelay::wait_for_signal() {
  if (stopped_) return;
  descriptor_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                         [this](const boost::system::error_code& ec) {
                           if (ec || stopped_) return;
                           drain();
                           wait_for_signal();
                         });
}

void SignalRelay::drain() {
  signalfd_siginfo info{};
  while (::read(descriptor_.native_handle(), &info, sizeof info) == sizeof info)
    handle(static_cast<int>(info.ssi_signo), info.ssi_code);
}

void SignalRelay::handle(int signal_number, int si_code) {
  auto plan = plan_for_signal(signal_number, si_code);
  if (plan.forward) ::kill(child_, signal_number);
  if (!plan.start_grace || grace_started_) return;
  grace_started_ = true;
  grace_timer_.expires_after(grace_);
  grace_timer_.async_wait([this](const boost::system::error_code& ec) {
    // The child is not reaped until our exit handler runs, so its pid cannot be reused yet.
    if (!ec && !stopped_) ::kill(child_, SIGKILL);
  });
}

}  // namespace saferun::session
