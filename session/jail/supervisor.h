#pragma once
// The loop the jail's two helper processes run: the keeper (safe-run's child, outside the
// PID namespace) for the namespace's init, and the init (PID 1 inside) for the agent. Both
// wait for signals synchronously (sigwaitinfo on a blocked set; they are forks of safe-run
// and run nothing else), forward what signal_plan.h says to forward — a signal someone sent
// with kill(2), never one the terminal sent the whole process group, which the agent has
// already — and reap. A signal the init has no handler for would be dropped by the kernel;
// waiting for it synchronously is what makes Ctrl-C and SIGTERM work inside.

#include <sys/types.h>

#include <chrono>

namespace saferun::session::jail {

// Blocks the relayed signals and SIGCHLD; call before forking the supervised child.
void block_supervised_signals();

// Relays signals to `child` and reaps every child of this process until `child` exits;
// returns its raw waitpid() status.
int supervise(pid_t child);

// In the init, after the agent exited: SIGTERM to every process left in the namespace, then
// waits up to `grace` for them to go (the kernel SIGKILLs the rest when the init exits).
// Returns how many there were.
int end_leftovers(std::chrono::milliseconds grace);

}  // namespace saferun::session::jail
