#pragma once
// The child: spawned with Boost.Process on the session's io_context, reaped by Boost (its
// on_exit handler), never waited for or killed through Boost. What the child inherits is
// decided in one exec-setup hook: an empty signal mask, SIGPIPE at its default, a
// parent-death signal, only fds 0, 1 and 2, the exact argv and environment we built.

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/process/child.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace saferun::session {

struct ChildSpec {
  std::string executable;              // resolved path
  std::vector<std::string> argv;       // argv[0] as the user typed it
  std::vector<std::string> env;        // "NAME=value": the whole environment
  bool no_new_privs = false;           // PR_SET_NO_NEW_PRIVS in the child
};

class ChildProcess {
 public:
  // The raw waitpid() status, or nullopt when it could not be collected.
  using ExitHandler = std::function<void(std::optional<int> raw_wait_status)>;

  // Throws SetupError naming the command when it cannot be started.
  ChildProcess(boost::asio::io_context& io, const ChildSpec& spec, ExitHandler on_exit);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }

 private:
  boost::process::child child_;
  pid_t pid_ = -1;
};

}  // namespace saferun::session
