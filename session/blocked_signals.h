#pragma once
// Every signal blocked in this thread while the object lives, so that a thread started
// meanwhile inherits a mask that takes no process signal. Asio's resolver starts its thread
// on the first async_resolve (a store named by host, a TLS store) with plain pthread_create:
// a thread leaving SIGINT or SIGTERM unblocked would take them with their default action,
// ending safe-run at once, instead of SignalRelay relaying them to the child.

#include <csignal>

namespace saferun::session {

class BlockedSignals {
 public:
  BlockedSignals() {
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &previous_);
  }
  ~BlockedSignals() { pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }
  BlockedSignals(const BlockedSignals&) = delete;
  BlockedSignals& operator=(const BlockedSignals&) = delete;

 private:
  sigset_t previous_{};
};

}  // namespace saferun::session
