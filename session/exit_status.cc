#include "session/exit_status.h"

#include <sys/wait.h>

namespace saferun::session {

int exit_status_from_wait(int raw_status) {
  if (WIFEXITED(raw_status)) return WEXITSTATUS(raw_status);
  if (WIFSIGNALED(raw_status)) return exit_code::kSignalBase + WTERMSIG(raw_status);
  return exit_code::kSetupFailed;
}

}  // namespace saferun::session
