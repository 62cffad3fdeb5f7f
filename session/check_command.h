#pragma once
// `safe-run check [--config FILE]`: validates the config and unlocks every route's secret,
// printing one line per route — OK, or what is wrong — and never a value.

#include <iosfwd>

#include "session/session_options.h"

namespace saferun::session {

// Returns 0 when every route's secret unlocked, 1 otherwise. Throws SetupError for a config
// that cannot be loaded.
int run_check(const SessionOptions& options, std::ostream& out);

}  // namespace saferun::session
