#include "session/jail/supervisor.h"

#include <dirent.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <ctime>

#include "session/signal_plan.h"

namespace saferun::session::jail {
namespace {

sigset_t supervised_set() {
  sigset_t set;
  ::sigemptyset(&set);
  for (int signal_number : relayed_signals()) ::sigaddset(&set, signal_number);
  ::sigaddset(&set, SIGCHLD);
  return set;
}

// Reaps every exited child; true once `child` is among them (its status in `status`).
bool reap(pid_t child, int& status) {
  bool done = false;
  int raw = 0;
  pid_t pid;
  while ((pid = ::waitpid(-1, &raw, WNOHANG)) > 0) {
    if (pid == child) done = true, status = raw;
  }
  return done;
}

// Processes in this PID namespace other than its init, counted from its own /proc.
int other_processes() {
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return 0;
  int count = 0;
  while (auto* entry = ::readdir(proc)) {
    char* end = nullptr;
    long pid = std::strtol(entry->d_name, &end, 10);
    if (*end == '\0' && pid > 1) ++count;
  }
  ::closedir(proc);
  return count;
}

timespec remaining_until(std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - std::chrono::steady_clock::now());
  if (left.count() < 0) left = std::chrono::nanoseconds(0);
  return {static_cast<time_t>(left.count() / 1000000000), static_cast<long>(left.count() % 1000000000)};
}

}  // namespace

void block_supervised_signals() {
  sigset_t set = supervised_set();
  ::sigprocmask(SIG_BLOCK, &set, nullptr);
}

int supervise(pid_t child) {
  const sigset_t set = supervised_set();
  int status = 0;
  while (!reap(child, status)) {
    siginfo_t info{};
    if (::sigwaitinfo(&set, &info) < 0) continue;
    if (info.si_signo == SIGCHLD) continue;
    if (plan_for_signal(info.si_signo, info.si_code).forward) ::kill(child, info.si_signo);
  }
  return status;
}

int end_leftovers(std::chrono::milliseconds grace) {
  int count = other_processes();
  if (count == 0) return 0;
  sigset_t child_exits;
  ::sigemptyset(&child_exits);
  ::sigaddset(&child_exits, SIGCHLD);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  // From the namespace's init, -1 is every process in it but the init. Sent again after each
  // exit, so that a process forked in between is not missed.
  ::kill(-1, SIGTERM);
  while (true) {
    while (::waitpid(-1, nullptr, WNOHANG) > 0) {
    }
    if (other_processes() == 0 || std::chrono::steady_clock::now() >= deadline) return count;
    auto next = std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(50));
    timespec wait = remaining_until(next);
    if (::sigtimedwait(&child_exits, nullptr, &wait) == SIGCHLD) ::kill(-1, SIGTERM);
  }
}

}  // namespace saferun::session::jail
