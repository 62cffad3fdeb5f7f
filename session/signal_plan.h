#pragma once
// What the session does with a signal it receives. Pure.
//
// Process-group policy: the child runs in safe-run's own process group and terminal, so an
// interactive program works as without safe-run. A signal the terminal generates (Ctrl-C,
// Ctrl-\, hang-up) is sent by the kernel to the whole foreground group: the child already
// has it, and forwarding it would deliver it twice. The kernel marks those with si_code
// SI_KERNEL; kill(2), sigqueue(3) and tgkill(2) mark theirs SI_USER, SI_QUEUE, SI_TKILL. So
// only signals that did not come from the kernel are forwarded. Ctrl-Z (SIGTSTP) is never
// caught: it stops safe-run and the child together, and `fg` continues both.

#include <span>

namespace saferun::session {

struct SignalPlan {
  bool forward = false;      // send the same signal to the child
  bool start_grace = false;  // kill the child if it has not exited within the grace period
};

SignalPlan plan_for_signal(int signal_number, int si_code);

// SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2.
std::span<const int> relayed_signals();

}  // namespace saferun::session
