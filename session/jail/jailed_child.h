#pragma once
// safe-run's side of the jail: forks the keeper (jail_launch.h), waits for the jail's first
// report, then watches the keeper through a pidfd on the session's io_context and hands the
// agent's status to the exit handler. Boost.Process is not involved: the keeper is reaped
// here, with waitpid on its own pid, never waitpid(-1).

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

#include "session/jail/jail_paths.h"
#include "session/jail/tty_filter.h"

namespace saferun::session {
struct ChildSpec;
}

namespace saferun::session::jail {

// The jail could not be set up; nothing of it is left running. `what()` says which step
// failed and, when known, which kernel setting is responsible.
class JailUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct JailOptions {
  JailPaths paths;
  std::chrono::milliseconds grace{10000};
};

class JailedChild {
 public:
  using ExitHandler = std::function<void(std::optional<int> raw_wait_status)>;

  // Throws JailUnavailable when the namespaces or mounts cannot be had, SetupError when the
  // command itself cannot be executed.
  JailedChild(boost::asio::io_context& io, const ChildSpec& spec, const JailOptions& options,
              const TtyFilter& filter, ExitHandler on_exit);
  ~JailedChild();
  JailedChild(const JailedChild&) = delete;
  JailedChild& operator=(const JailedChild&) = delete;

  pid_t pid() const { return keeper_; }                // the process safe-run signals
  int leftovers() const { return leftovers_; }         // ended by the init after the agent

 private:
  void wait_for_exit();
  void collect();

  pid_t keeper_ = -1;
  int status_fd_ = -1;
  boost::asio::posix::stream_descriptor exit_watch_;
  ExitHandler on_exit_;
  int leftovers_ = 0;
  bool reaped_ = false;
};

}  // namespace saferun::session::jail
