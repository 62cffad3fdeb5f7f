#pragma once
// Process hardening that must happen first in main, before any secret is read: no core
// dumps, and not dumpable — which also makes /proc/<pid>/{environ,mem} unreadable and ptrace
// attach refused for processes of the same user that are not root.

namespace saferun::launcher {

// Throws SetupError naming the call that failed.
void harden_process();

}  // namespace saferun::launcher
