#include "session/child_process.h"

#include <linux/close_range.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <boost/process/async.hpp>
#include <boost/process/exe.hpp>
#include <boost/process/extend.hpp>
#include <csignal>

#include "session/exit_status.h"
#include "session/setup_error.h"

namespace saferun::session {
namespace bp = boost::process;

namespace {

// Marks every fd above 2 close-on-exec (the exec-error pipe Boost uses is already so), which
// is how the child ends up with only 0, 1 and 2.
void close_inherited_fds() {
  if (::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return;
  long max = ::sysconf(_SC_OPEN_MAX);
  for (long fd = 3; fd < (max > 0 ? max : 65536); ++fd) ::fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC);
}

// Runs in the forked child, before execve; only async-signal-safe calls.
struct ExecSetup : bp::extend::handler {
  char* const* argv;
  char* const* envp;
  pid_t parent;
  bool no_new_privs;

  template <class Executor>
  void on_exec_setup(Executor& exec) const {
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);  // the session blocks signals for its signalfd
    ::signal(SIGPIPE, SIG_DFL);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(exit_code::kSetupFailed);  // parent died before prctl
    if (no_new_privs) ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    close_inherited_fds();
    exec.cmd_line = argv;
    exec.env = const_cast<char**>(envp);
  }
};

std::vector<char*> pointers_to(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (const auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

}  // namespace

ChildProcess::ChildProcess(boost::asio::io_context& io, const ChildSpec& spec, ExitHandler on_exit) {
  auto argv = pointers_to(spec.argv);
  auto envp = pointers_to(spec.env);
  ExecSetup setup;
  setup.argv = argv.data();
  setup.envp = envp.data();
  setup.parent = ::getpid();
  setup.no_new_privs = spec.no_new_privs;
  std::error_code spawn_error;
  child_ = bp::child(
      bp::exe = spec.executable, io, setup, spawn_error,
      bp::on_exit = [this, handler = std::move(on_exit)](int, const std::error_code& ec) {
        handler(ec ? std::nullopt : std::optional<int>(child_.native_exit_code()));
      });
  if (spawn_error)
    throw SetupError(spec.argv.front() + ": cannot start: " + spawn_error.message());
  pid_ = child_.id();
}

ChildProcess::~ChildProcess() {
  // ~child() would SIGKILL a running child and waitpid() behind Boost's reaper; the session
  // ends the child its own way, so let go of it here.
  if (child_.valid()) child_.detach();
}

}  // namespace saferun::session
