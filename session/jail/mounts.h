#pragma once
// The jail's view of the file system, set up by its init in the new mount namespace: a
// mount tree that no longer propagates to the host, a /proc showing only the namespace's
// processes, read-only bind mounts over what the next session trusts, and empty, unreadable
// mounts over what must stay hidden. A path that does not exist is left alone (the session
// checks at its end whether one appeared: see protected_paths.h).
//
// Mounts made here are locked for any namespace the agent makes itself (nested sandboxes
// included): it cannot unmount or remount them to get at what they cover.

#include "session/jail/jail_paths.h"
#include "session/jail/jail_report.h"

namespace saferun::session::jail {

// In the init, before the agent is started; returns a report of the failed stage, or one
// with stage `ready`.
JailReport apply_mounts(const JailPaths& paths);

}  // namespace saferun::session::jail
