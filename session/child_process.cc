#include "session/child_process.h"

#include <sys/prctl.h>
#include <unistd.h>

#include <boost/process/async.hpp>
#include <boost/process/exe.hpp>
#include <boost/process/extend.hpp>
#include <csignal>

#include "session/exec_setup.h"
#include "session/exit_status.h"
#include "session/setup_error.h"

namespace saferun::session {
namespace bp = boost::process;

namespace {

// Runs in the forked child, before execve; only async-signal-safe calls.
struct PlainExecSetup : bp::extend::handler {
  char* const* argv;
  char* const* envp;
  pid_t parent;
  ExecSetup setup;

  template <class Executor>
  void on_exec_setup(Executor& exec) const {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(exit_code::kSetupFailed);  // parent died before prctl
    if (prepare_exec(setup) != 0) ::_exit(exit_code::kSetupFailed);
    exec.cmd_line = argv;
    exec.env = const_cast<char**>(envp);
  }
};

}  // namespace

ChildProcess::ChildProcess(boost::asio::io_context& io, const ChildSpec& spec, const ChildIsolation& isolation,
                           ExitHandler on_exit) {
  if (isolation.mode == jail::IsolationMode::off) {
    spawn_plain(io, spec, nullptr, std::move(on_exit));
    return;
  }
  try {
    jailed_.emplace(io, spec, isolation.jail, *isolation.filter, on_exit);
    pid_ = jailed_->pid();
    return;
  } catch (const jail::JailUnavailable& e) {
    if (isolation.mode == jail::IsolationMode::required)
      throw SetupError(std::string("--isolation=required, but the jail cannot be set up: ") + e.what());
    isolation_problem_ = e.what();
  }
  // Without the jail the terminal filter still applies, where no_new_privs lets it load.
  spawn_plain(io, spec, spec.no_new_privs ? isolation.filter : nullptr, std::move(on_exit));
}

void ChildProcess::spawn_plain(boost::asio::io_context& io, const ChildSpec& spec, const jail::TtyFilter* filter,
                               ExitHandler on_exit) {
  auto argv = exec_pointers(spec.argv);
  auto envp = exec_pointers(spec.env);
  PlainExecSetup setup;
  setup.argv = argv.data();
  setup.envp = envp.data();
  setup.parent = ::getpid();
  setup.setup = {spec.no_new_privs, filter ? filter->program() : nullptr};
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
