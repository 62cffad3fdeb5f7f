#pragma once
// The child, in the jail when the session asks for it (session/jail/) and plainly otherwise.
//
// Plainly: spawned with Boost.Process on the session's io_context, reaped by Boost (its
// on_exit handler), never waited for or killed through Boost. What the child inherits is
// decided in one exec-setup hook: an empty signal mask, SIGPIPE at its default, a
// parent-death signal, only fds 0, 1 and 2, the exact argv and environment we built.
// Jailed: see jail/jailed_child.h; the same exec setup, run by the agent inside.

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/process/child.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "session/jail/isolation_config.h"
#include "session/jail/jailed_child.h"

namespace saferun::session {

struct ChildSpec {
  std::string executable;              // resolved path
  std::vector<std::string> argv;       // argv[0] as the user typed it
  std::vector<std::string> env;        // "NAME=value": the whole environment
  bool no_new_privs = false;           // PR_SET_NO_NEW_PRIVS in the child
};

struct ChildIsolation {
  jail::IsolationMode mode = jail::IsolationMode::automatic;
  jail::JailOptions jail;
  const jail::TtyFilter* filter = nullptr;  // required unless mode is off
};

class ChildProcess {
 public:
  // The raw waitpid() status, or nullopt when it could not be collected.
  using ExitHandler = std::function<void(std::optional<int> raw_wait_status)>;

  // Throws SetupError naming the command when it cannot be started, or naming what is
  // missing when isolation is required and cannot be had.
  ChildProcess(boost::asio::io_context& io, const ChildSpec& spec, const ChildIsolation& isolation,
               ExitHandler on_exit);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool jailed() const { return jailed_.has_value(); }
  // Why an `auto` session runs without the jail ("" when jailed or when isolation is off).
  const std::string& isolation_problem() const { return isolation_problem_; }
  // Processes the jail ended after the child exited (0 when not jailed).
  int jail_leftovers() const { return jailed_ ? jailed_->leftovers() : 0; }

 private:
  void spawn_plain(boost::asio::io_context& io, const ChildSpec& spec, const jail::TtyFilter* filter,
                   ExitHandler on_exit);

  boost::process::child child_;
  std::optional<jail::JailedChild> jailed_;
  std::string isolation_problem_;
  pid_t pid_ = -1;
};

}  // namespace saferun::session
