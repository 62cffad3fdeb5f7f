#pragma once
// A seccomp filter that refuses the two ioctls that write into a terminal's input or console:
// TIOCSTI (push bytes into the input queue: the agent would type a command into the user's
// shell, to run after the session) and TIOCLINUX (the same through the Linux console), with
// EPERM, as bubblewrap and Flatpak do. Everything else is allowed: nested sandboxes such as
// Claude Code's bubblewrap keep working. Built in the parent with libseccomp; the child only
// loads the exported program (async-signal-safe).

#include <linux/filter.h>

#include <vector>

namespace saferun::session::jail {

class TtyFilter {
 public:
  TtyFilter();  // throws SetupError when libseccomp cannot build it
  const sock_fprog* program() const { return &program_; }

 private:
  std::vector<sock_filter> instructions_;
  sock_fprog program_{};
};

}  // namespace saferun::session::jail
