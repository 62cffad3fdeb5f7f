#include "session/terminal_state.h"

#include <unistd.h>

#include <initializer_list>

namespace saferun::session {

TerminalState::TerminalState() {
  for (int fd : {0, 1, 2}) {
    if (::isatty(fd) && ::tcgetattr(fd, &saved_) == 0) {
      fd_ = fd;
      return;
    }
  }
}

TerminalState::~TerminalState() {
  if (fd_ < 0 || ::tcgetpgrp(fd_) != ::getpgrp()) return;
  ::tcsetattr(fd_, TCSADRAIN, &saved_);
}

}  // namespace saferun::session
