// The terminal through the jail, as an unprivileged user in its own user namespace: the
// agent cannot type into the user's shell (TIOCSTI), and Ctrl-C, Ctrl-Z/fg and the exit
// status behave as without the jail.

#include <signal.h>

#include <catch2/catch.hpp>
#include <thread>

#include "tests/e2e/safe_run.h"
#include "tests/e2e/unprivileged_user.h"
#include "tests/support/pty_process.h"

using namespace saferun::test;

namespace {

constexpr auto kWait = std::chrono::seconds(10);

}  // namespace

TEST_CASE("an isolated agent cannot type a command into the user's shell", "[e2e][isolation]") {
  for (std::string mode : {"off", "auto"}) {
    INFO(mode);
    UnprivilegedUser user;
    // What the agent pushes into the terminal's input queue: the shell would run it next.
    PtyProcess shell(user.as_user({"/bin/bash", "--norc", "--noprofile", "-i"}),
                     user.env({"ATTACK_TYPE=echo PWNED-$((6*7))\n"}));
    REQUIRE(shell.wait_for("$ ", kWait));
    shell.type(user.safe_run() + " --isolation=" + mode + " --dry-run -q --pass-env ATTACK_TYPE -- " +
               user.attacker() + " agent /dev/null; echo session-$((2+3))\r");
    REQUIRE(shell.wait_for("session-5", kWait));  // the output, not the echoed line
    shell.type("echo shell-$((1+1))\r");
    REQUIRE(shell.wait_for("shell-2", kWait));
    INFO(shell.output());
    if (mode == "off") {
      CHECK(contains(shell.output(), "attack tiocsti: done"));
      CHECK(contains(shell.output(), "PWNED-42"));  // the negative control: the shell ran it
    } else {
      CHECK(contains(shell.output(), "attack tiocsti: blocked Operation not permitted"));
      CHECK_FALSE(contains(shell.output(), "PWNED-42"));
    }
    shell.type("exit\r");
    shell.finish();
  }
}

TEST_CASE("Ctrl-C, Ctrl-Z, fg and the exit status work for an isolated unprivileged agent",
          "[e2e][isolation]") {
  for (std::string mode : {"off", "auto"}) {
    INFO(mode);
    UnprivilegedUser user;
    PtyProcess shell(user.as_user({"/bin/bash", "--norc", "--noprofile", "-i"}), user.env());
    REQUIRE(shell.wait_for("$ ", kWait));
    auto marker = unique_marker();
    shell.type(user.safe_run() + " --isolation=" + mode + " --dry-run -q -- sh -c 'trap \"echo int-\\$((40+2))\" INT; " +
               "trap \"exit 7\" TERM; echo ready; while :; do sleep 0.05; done' " + marker + "\r");
    REQUIRE(shell.wait_for("ready\r\n", kWait));
    pid_t child = process_with_argument(marker, "sh");
    REQUIRE(child > 0);
    shell.type("\x03");
    REQUIRE(shell.wait_for("int-42", kWait));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // room for a second delivery
    auto mark = shell.output().size();
    shell.type("\x1a");
    REQUIRE(shell.wait_for("Stopped", kWait, mark));
    for (int i = 0; i < 100 && process_state(child) != 'T'; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    CHECK(process_state(child) == 'T');
    REQUIRE(shell.wait_for("$ ", kWait, mark));
    mark = shell.output().size();
    shell.type("fg\r");
    REQUIRE(shell.wait_for("300.", kWait, mark));  // bash names the job it continues
    mark = shell.output().size();
    for (int i = 0; i < 100 && process_state(child) == 'T'; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    CHECK(process_state(child) != 'T');
    ::kill(child, SIGTERM);  // from outside, as any other process of the user might
    REQUIRE(shell.wait_for("$ ", kWait, mark));
    shell.type("echo status:$?\r");
    INFO(shell.output());
    CHECK(shell.wait_for("status:7\r\n", kWait));
    CHECK(count_of(shell.output(), "int-42") == 1);
    shell.type("exit\r");
    CHECK(shell.finish().status == 0);
  }
}
