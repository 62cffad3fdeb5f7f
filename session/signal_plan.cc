#include "session/signal_plan.h"

#include <csignal>

namespace saferun::session {
namespace {

constexpr int kRelayed[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

bool asks_to_end(int signal_number) {
  return signal_number == SIGTERM || signal_number == SIGINT || signal_number == SIGHUP;
}

}  // namespace

SignalPlan plan_for_signal(int signal_number, int si_code) {
  if (si_code == SI_KERNEL) {
    // The terminal hung up: the child got SIGHUP too; make sure it does not outlive us.
    return {false, signal_number == SIGHUP};
  }
  return {true, asks_to_end(signal_number)};
}

std::span<const int> relayed_signals() { return kRelayed; }

}  // namespace saferun::session
