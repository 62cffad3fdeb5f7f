#pragma once
// What the jail tells safe-run over its status pipe: one report when the agent has been
// started (or the step that failed), and one when the agent has exited. Fixed-size records,
// each written with one write(2) below PIPE_BUF, so they arrive whole.

#include <cstdint>

namespace saferun::session::jail {

enum class JailStage : std::int32_t {
  ready = 0,      // the agent is running
  unshare,        // unshare(CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS)
  identity_map,   // uid_map / gid_map
  fork_init,      // the namespace's init
  propagation,    // making the mount tree private
  proc,           // the namespace's own /proc
  read_only,      // a read-only bind mount (index: which path)
  hide,           // hiding a path (index: which path)
  exec,           // the agent's execve
};

struct JailReport {
  enum Kind : std::int32_t { setup = 1, exit = 2 };
  std::int32_t kind = setup;
  JailStage stage = JailStage::ready;
  std::int32_t error = 0;       // errno of the failed stage
  std::int32_t index = -1;      // which path, for read_only and hide
  std::int32_t raw_status = 0;  // exit: the agent's waitpid() status
  std::int32_t leftovers = 0;   // exit: processes still running when the agent exited
};

// "mounting a private /proc", ... for messages.
const char* stage_description(JailStage stage);

// Async-signal-safe.
void send_report(int fd, const JailReport& report);

}  // namespace saferun::session::jail
