#pragma once
// The last steps before a child's execve, shared by the plain child and the jailed agent.
// Runs in a forked child: only async-signal-safe calls.

#include <linux/filter.h>

#include <string>
#include <vector>

namespace saferun::session {

struct ExecSetup {
  bool no_new_privs = true;                       // PR_SET_NO_NEW_PRIVS
  const sock_fprog* seccomp_filter = nullptr;     // loaded after no_new_privs, if given
};

// An empty signal mask (the session blocks signals for its signalfd), SIGPIPE at its default,
// no_new_privs, the seccomp filter, and every fd above 2 marked close-on-exec. Returns 0, or
// the errno of the step that failed (only loading the filter can).
int prepare_exec(const ExecSetup& setup);

// argv/envp for execve: pointers into `strings`, then a null; made before the fork.
std::vector<char*> exec_pointers(const std::vector<std::string>& strings);

}  // namespace saferun::session
