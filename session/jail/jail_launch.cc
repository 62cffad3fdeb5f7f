#include "session/jail/jail_launch.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

#include "session/exit_status.h"
#include "session/jail/jail_report.h"
#include "session/jail/mounts.h"
#include "session/jail/supervisor.h"

namespace saferun::session::jail {
namespace {

[[noreturn]] void fail(int status_fd, JailStage stage, int error) {
  JailReport report;
  report.stage = stage;
  report.error = error;
  send_report(status_fd, report);
  ::_exit(exit_code::kSetupFailed);
}

// The status a process mirrors for its supervised child: the code, or 128+N for signal N.
int mirrored(int raw) {
  if (WIFEXITED(raw)) return WEXITSTATUS(raw);
  if (WIFSIGNALED(raw)) return exit_code::kSignalBase + WTERMSIG(raw);
  return exit_code::kSetupFailed;
}

// Dies with `parent` from now on; false when `parent` is already gone.
bool tie_to_parent(int parent_pidfd) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  pollfd gone{parent_pidfd, POLLIN, 0};
  return ::poll(&gone, 1, 0) == 0;  // a pidfd turns readable when its process has exited
}

[[noreturn]] void run_agent(const JailLaunch& launch, int exec_error_fd) {
  int error = prepare_exec(launch.exec);
  if (error == 0) {
    ::execve(launch.executable, launch.argv, launch.envp);
    error = errno;
  }
  ssize_t ignored = ::write(exec_error_fd, &error, sizeof error);
  (void)ignored;
  ::_exit(error == ENOENT ? exit_code::kNotFound : exit_code::kCannotExecute);
}

// Starts the agent; reports `ready` once its execve succeeded (the exec-error pipe closes
// without a word), or the errno it failed with.
pid_t start_agent(const JailLaunch& launch) {
  int exec_pipe[2];
  if (::pipe2(exec_pipe, O_CLOEXEC) != 0) fail(launch.status_fd, JailStage::exec, errno);
  pid_t agent = ::fork();
  if (agent < 0) fail(launch.status_fd, JailStage::exec, errno);
  if (agent == 0) {
    ::close(exec_pipe[0]);
    run_agent(launch, exec_pipe[1]);
  }
  ::close(exec_pipe[1]);
  int error = 0;
  ssize_t n;
  while ((n = ::read(exec_pipe[0], &error, sizeof error)) < 0 && errno == EINTR) {
  }
  ::close(exec_pipe[0]);
  if (n > 0) fail(launch.status_fd, JailStage::exec, error);
  send_report(launch.status_fd, JailReport{});
  return agent;
}

[[noreturn]] void run_init(const JailLaunch& launch, int keeper_pidfd) {
  if (!tie_to_parent(keeper_pidfd)) ::_exit(exit_code::kSetupFailed);
  ::close(keeper_pidfd);
  JailReport mounted = apply_mounts(*launch.paths);
  if (mounted.stage != JailStage::ready) {
    send_report(launch.status_fd, mounted);
    ::_exit(exit_code::kSetupFailed);
  }
  pid_t agent = start_agent(launch);
  JailReport done;
  done.kind = JailReport::exit;
  done.raw_status = supervise(agent);
  done.leftovers = end_leftovers(launch.grace);
  send_report(launch.status_fd, done);
  ::_exit(mirrored(done.raw_status));
}

}  // namespace

void run_keeper(const JailLaunch& launch) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != launch.safe_run) ::_exit(exit_code::kSetupFailed);
  block_supervised_signals();
  int flags = CLONE_NEWPID | CLONE_NEWNS | (launch.user_namespace ? CLONE_NEWUSER : 0);
  if (::unshare(flags) != 0) fail(launch.status_fd, JailStage::unshare, errno);
  if (launch.user_namespace) {
    if (int error = write_identity_map(launch.identity); error != 0)
      fail(launch.status_fd, JailStage::identity_map, error);
  }
  int self = static_cast<int>(::syscall(SYS_pidfd_open, ::getpid(), 0));
  if (self < 0) fail(launch.status_fd, JailStage::fork_init, errno);
  pid_t init = ::fork();
  if (init < 0) fail(launch.status_fd, JailStage::fork_init, errno);
  if (init == 0) run_init(launch, self);
  ::close(self);
  ::close(launch.status_fd);  // the init reports from now on; EOF means it is gone
  ::_exit(mirrored(supervise(init)));
}

}  // namespace saferun::session::jail
