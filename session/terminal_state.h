#pragma once
// The terminal's settings as they were when the session started, put back when it ends: a
// full-screen child killed in raw mode must not leave the user's terminal unusable.
// Restored only while safe-run is in the terminal's foreground process group, so a
// backgrounded session never fights the shell for the terminal.

#include <termios.h>

namespace saferun::session {

class TerminalState {
 public:
  TerminalState();   // remembers the settings of the first of fds 0, 1, 2 that is a terminal
  ~TerminalState();  // restores them
  TerminalState(const TerminalState&) = delete;
  TerminalState& operator=(const TerminalState&) = delete;

 private:
  int fd_ = -1;
  termios saved_{};
};

}  // namespace saferun::session
