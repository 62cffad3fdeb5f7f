#pragma once
// What isolation a session asks for: the mode (--isolation, else the config's
// "isolation.mode", else auto), the paths the jail protects, and the terminal filter.

#include <optional>

#include "session/child_process.h"
#include "session/config.h"
#include "session/default_config.h"
#include "session/session_options.h"

namespace saferun::session {

// `filter` receives the seccomp program the isolation points to. Creates safe-run's config
// directory when it is missing, so that it can be made read-only (else the agent could
// create it, and a config in it).
ChildIsolation plan_isolation(const Config& config, const SessionOptions& options, const EnvLookup& getenv,
                              std::optional<jail::TtyFilter>& filter);

// The paths whose identity the session checks at its end (protected_paths.h).
std::vector<std::string> identity_checked_paths(const ChildIsolation& isolation);

}  // namespace saferun::session
