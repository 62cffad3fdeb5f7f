#include "session/descendants.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>

using namespace saferun::session;

TEST_CASE("descendants are found through every generation", "[descendants]") {
  std::vector<ProcessEntry> table = {{10, 1, 'S'}, {11, 10, 'S'}, {12, 11, 'Z'}, {13, 12, 'S'}, {20, 1, 'S'}, {21, 20, 'S'}};
  auto found = descendants_in(table, 10);
  std::sort(found.begin(), found.end());
  CHECK(found == std::vector<pid_t>{11, 12, 13});
  CHECK(descendants_in(table, 13).empty());
}

TEST_CASE("a cycle in a process table snapshot does not loop forever", "[descendants]") {
  std::vector<ProcessEntry> table = {{2, 3, 'S'}, {3, 2, 'S'}};
  CHECK(descendants_in(table, 2) == std::vector<pid_t>{3});
}

TEST_CASE("the process table includes this process with its parent", "[descendants]") {
  auto table = read_process_table();
  auto self = std::find_if(table.begin(), table.end(), [](const ProcessEntry& e) { return e.pid == ::getpid(); });
  REQUIRE(self != table.end());
  CHECK(self->parent == ::getppid());
}

namespace {

char state_of(pid_t pid, pid_t& parent) {
  auto table = read_process_table();
  auto entry = std::find_if(table.begin(), table.end(), [pid](const ProcessEntry& e) { return e.pid == pid; });
  if (entry == table.end()) return '-';
  parent = entry->parent;
  return entry->state;
}

// Polls up to two seconds for `pid` to be a zombie child of `parent` that wait can collect:
// a process's first thread shows 'Z' while its other threads (a sanitizer's own, say) are
// still exiting, and only then can it be reaped — waitid's WNOWAIT looks without reaping.
bool becomes_reapable_zombie(pid_t pid, pid_t parent) {
  for (int i = 0; i < 200; ++i) {
    pid_t seen_parent = 0;
    siginfo_t info{};
    if (state_of(pid, seen_parent) == 'Z' && seen_parent == parent &&
        waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid)
      return true;
    usleep(10000);
  }
  return false;
}

// In a forked helper that is a subreaper, as the session is: an orphan re-parented to it exits
// (a zombie), another orphan lives on, and a direct child stands for the one the session keeps.
// Exit codes name the check that failed.
int reap_in_subreaper() {
  signal(SIGCHLD, SIG_DFL);  // an inherited "ignore" would reap zombies by itself
  become_subreaper();
  const pid_t self = getpid();
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return 10;
  pid_t kept = fork();
  if (kept == 0) _exit(0);
  pid_t middle = fork();
  if (middle == 0) {
    pid_t dying = fork();
    if (dying == 0) {
      usleep(100000);  // exits once re-parented
      _exit(0);
    }
    pid_t living = fork();
    if (living == 0) {
      usleep(5000000);
      _exit(0);
    }
    pid_t orphans[2] = {dying, living};
    if (write(pipe_fds[1], orphans, sizeof orphans) != sizeof orphans) _exit(1);
    _exit(0);
  }
  close(pipe_fds[1]);  // a middle that dies before writing ends the read
  pid_t orphans[2] = {0, 0};
  if (read(pipe_fds[0], orphans, sizeof orphans) != sizeof orphans) return 11;
  struct KillLiving {
    pid_t pid;
    ~KillLiving() { kill(pid, SIGKILL); }
  } living{orphans[1]};
  if (waitpid(middle, nullptr, 0) != middle) return 12;
  if (!becomes_reapable_zombie(orphans[0], self)) return 13;  // the control: a zombie is there to reap
  if (!becomes_reapable_zombie(kept, self)) return 14;
  reap_orphan_zombies(kept);
  pid_t parent = 0;
  if (state_of(orphans[0], parent) != '-') return 15;  // reaped
  if (state_of(kept, parent) != 'Z') return 16;        // left to its owner
  if (state_of(orphans[1], parent) == '-' || state_of(orphans[1], parent) == 'Z') return 17;  // still running
  return 0;
}

}  // namespace

TEST_CASE("an orphan's zombie is reaped; a living orphan and the kept child are left alone", "[descendants]") {
  pid_t helper = fork();
  REQUIRE(helper >= 0);
  if (helper == 0) {
    int code = 9;  // an exception must not reach Catch in the forked copy
    try {
      code = reap_in_subreaper();
    } catch (...) {
    }
    _exit(code);
  }
  int status = 0;
  REQUIRE(waitpid(helper, &status, 0) == helper);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}
