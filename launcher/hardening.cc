#include "launcher/hardening.h"

#include <sys/prctl.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "session/setup_error.h"

namespace saferun::launcher {

void harden_process() {
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
    throw session::SetupError(std::string("prctl(PR_SET_DUMPABLE): ") + std::strerror(errno));
  rlimit no_core{0, 0};
  if (::setrlimit(RLIMIT_CORE, &no_core) != 0)
    throw session::SetupError(std::string("setrlimit(RLIMIT_CORE): ") + std::strerror(errno));
}

}  // namespace saferun::launcher
