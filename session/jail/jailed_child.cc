#include "session/jail/jailed_child.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "session/child_process.h"
#include "session/exec_setup.h"
#include "session/jail/jail_launch.h"
#include "session/jail/jail_report.h"
#include "session/jail/user_namespace.h"
#include "session/setup_error.h"

namespace saferun::session::jail {
namespace {

// One whole report, or false at EOF.
bool read_report(int fd, JailReport& report) {
  ssize_t n;
  while ((n = ::read(fd, &report, sizeof report)) < 0 && errno == EINTR) {
  }
  return n == static_cast<ssize_t>(sizeof report);
}

std::string failed_step(const JailReport& report, const JailOptions& options) {
  std::string step = stage_description(report.stage);
  const auto& list = report.stage == JailStage::read_only ? options.paths.read_only : options.paths.hidden;
  if ((report.stage == JailStage::read_only || report.stage == JailStage::hide) && report.index >= 0 &&
      static_cast<std::size_t>(report.index) < list.size())
    step += " (" + list[static_cast<std::size_t>(report.index)] + ")";
  return step;
}

void reap(pid_t pid) {
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace

JailedChild::JailedChild(boost::asio::io_context& io, const ChildSpec& spec, const JailOptions& options,
                         const TtyFilter& filter, ExitHandler on_exit)
    : exit_watch_(io), on_exit_(std::move(on_exit)) {
  auto argv = exec_pointers(spec.argv);
  auto envp = exec_pointers(spec.env);
  int status_pipe[2];
  if (::pipe2(status_pipe, O_CLOEXEC) != 0) throw SetupError(std::string("pipe: ") + std::strerror(errno));
  JailLaunch launch;
  launch.safe_run = ::getpid();
  launch.status_fd = status_pipe[1];
  launch.user_namespace = ::geteuid() != 0;
  launch.identity = identity_map(::geteuid(), ::getegid());
  launch.paths = &options.paths;
  launch.executable = spec.executable.c_str();
  launch.argv = argv.data();
  launch.envp = envp.data();
  launch.exec = {spec.no_new_privs, filter.program()};
  launch.grace = options.grace;
  keeper_ = ::fork();
  if (keeper_ == 0) run_keeper(launch);
  ::close(status_pipe[1]);
  status_fd_ = status_pipe[0];
  if (keeper_ < 0) {
    ::close(status_fd_);
    throw SetupError(std::string("fork: ") + std::strerror(errno));
  }
  JailReport first;
  if (read_report(status_fd_, first) && first.kind == JailReport::setup && first.stage == JailStage::ready) {
    int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, keeper_, 0));
    if (pidfd >= 0) {
      exit_watch_.assign(pidfd);
      wait_for_exit();
      return;
    }
    // The command already runs: ending it is right, starting it again without the jail is not.
    int error = errno;
    ::kill(keeper_, SIGKILL);
    reap(keeper_);
    ::close(status_fd_);
    throw SetupError(std::string("pidfd_open: ") + std::strerror(error));
  }
  reap(keeper_);
  ::close(status_fd_);
  if (first.stage == JailStage::exec)
    throw SetupError(spec.argv.front() + ": cannot start: " + std::strerror(first.error));
  if (first.stage == JailStage::ready) throw JailUnavailable("the jail's init ended before the command started");
  throw JailUnavailable(explain_jail_failure(read_userns_settings(), failed_step(first, options), first.error));
}

JailedChild::~JailedChild() {
  boost::system::error_code ignored;
  exit_watch_.close(ignored);
  if (status_fd_ >= 0) ::close(status_fd_);
  // The session ends the keeper before it gets here; if not, its end ends the jail too.
  if (keeper_ > 0 && !reaped_) ::kill(keeper_, SIGKILL), reap(keeper_);
}

void JailedChild::wait_for_exit() {
  exit_watch_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                         [this](const boost::system::error_code& ec) {
                           if (ec == boost::asio::error::operation_aborted) return;
                           collect();
                         });
}

// The keeper has exited, so the init has too: the namespace is empty.
void JailedChild::collect() {
  int raw = 0;
  pid_t got;
  while ((got = ::waitpid(keeper_, &raw, 0)) < 0 && errno == EINTR) {
  }
  reaped_ = true;
  JailReport last;
  std::optional<int> status;
  if (got == keeper_) status = raw;
  ::fcntl(status_fd_, F_SETFL, O_NONBLOCK);
  if (read_report(status_fd_, last) && last.kind == JailReport::exit) {
    status = last.raw_status;
    leftovers_ = last.leftovers;
  }
  on_exit_(status);
}

}  // namespace saferun::session::jail
