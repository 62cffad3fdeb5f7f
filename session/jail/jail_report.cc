#include "session/jail/jail_report.h"

#include <unistd.h>

namespace saferun::session::jail {

const char* stage_description(JailStage stage) {
  switch (stage) {
    case JailStage::ready: return "ready";
    case JailStage::unshare: return "creating the user, PID and mount namespaces";
    case JailStage::identity_map: return "mapping the user into its namespace";
    case JailStage::fork_init: return "starting the namespace's init";
    case JailStage::propagation: return "making the mount tree private";
    case JailStage::proc: return "mounting a private /proc";
    case JailStage::read_only: return "making a path read-only";
    case JailStage::hide: return "hiding a path";
    case JailStage::exec: return "starting the command";
  }
  return "?";
}

void send_report(int fd, const JailReport& report) {
  ssize_t ignored = ::write(fd, &report, sizeof report);
  (void)ignored;
}

}  // namespace saferun::session::jail
