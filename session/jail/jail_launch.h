#pragma once
// The forked side of the jail. safe-run forks the keeper; the keeper enters new user (unless
// root), PID and mount namespaces and forks the namespace's init (PID 1); the init sets up
// the mounts and forks the agent, which loads the seccomp filter and execs the command.
//
//   safe-run ── keeper ══ init (PID 1) ── agent ── whatever the agent starts
//               (outside)  (inside the namespaces; invisible to the agent: its parents)
//
// Each link has a parent-death SIGKILL: safe-run dies (even by SIGKILL) → the keeper dies →
// the init dies → the kernel kills every process in the namespace. When the agent exits, the
// init reports its status and exits, with the same effect. The keeper and init are forks of
// safe-run that never exec: non-dumpable, and safe-run's secrets are in MADV_WIPEONFORK
// memory, which they see as zeros.

#include <sys/types.h>

#include <chrono>

#include "session/exec_setup.h"
#include "session/jail/jail_paths.h"
#include "session/jail/user_namespace.h"

namespace saferun::session::jail {

// Everything the forked side needs, prepared before the fork (it allocates nothing of its own
// before the namespaces exist).
struct JailLaunch {
  pid_t safe_run = -1;
  int status_fd = -1;          // the write end of the status pipe (jail_report.h)
  bool user_namespace = true;  // false for root, which needs none
  IdentityMap identity;
  const JailPaths* paths = nullptr;
  const char* executable = nullptr;
  char* const* argv = nullptr;
  char* const* envp = nullptr;
  ExecSetup exec;
  std::chrono::milliseconds grace{10000};
};

// In the keeper, right after fork(); never returns.
[[noreturn]] void run_keeper(const JailLaunch& launch);

}  // namespace saferun::session::jail
