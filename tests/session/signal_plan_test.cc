#include "session/signal_plan.h"

#include <csignal>

#include <catch2/catch.hpp>

using namespace saferun::session;

TEST_CASE("a signal sent with kill is forwarded", "[signal_plan]") {
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2}) {
    CHECK(plan_for_signal(sig, SI_USER).forward);
    CHECK(plan_for_signal(sig, SI_QUEUE).forward);
  }
}

TEST_CASE("a terminal-generated signal is not forwarded twice", "[signal_plan]") {
  CHECK_FALSE(plan_for_signal(SIGINT, SI_KERNEL).forward);
  CHECK_FALSE(plan_for_signal(SIGINT, SI_KERNEL).start_grace);
  CHECK_FALSE(plan_for_signal(SIGQUIT, SI_KERNEL).forward);
}

TEST_CASE("only the ending signals start the grace period", "[signal_plan]") {
  CHECK(plan_for_signal(SIGTERM, SI_USER).start_grace);
  CHECK(plan_for_signal(SIGINT, SI_USER).start_grace);
  CHECK(plan_for_signal(SIGHUP, SI_KERNEL).start_grace);
  CHECK_FALSE(plan_for_signal(SIGUSR1, SI_USER).start_grace);
  CHECK_FALSE(plan_for_signal(SIGQUIT, SI_USER).start_grace);
}
