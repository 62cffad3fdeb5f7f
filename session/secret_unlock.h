#pragma once
// Unlocks every enabled route's secret once, eagerly, before the child starts.

#include <string>
#include <vector>

#include "broker/route.h"
#include "session/config.h"

namespace saferun::session {

struct UnlockResult {
  std::vector<broker::ActiveRoute> active;  // the routes the broker serves
  std::vector<std::string> notices;         // "route 'openai' not enabled: $OPENAI_API_KEY is not set"
  broker::Secret store_password;            // the shared store's ("store"), empty without one
};

// In dry-run every route is enabled with no secret and nothing is read (env sources are still
// scrubbed from our environment). Otherwise a route whose env secret is absent is left out
// with a notice; a file, fd or command source that fails throws SetupError naming the route
// and the source — before anything is started.
UnlockResult unlock_secrets(const Config& config, bool dry_run);


struct RouteCheck {
  std::string route;
  std::string source;   // label, never the value
  bool ok = false;
  std::string problem;  // when not ok
};

// `safe-run check`: unlocks every route's secret, reporting each instead of stopping at the
// first failure. The secrets are wiped again at once.
std::vector<RouteCheck> check_secrets(const Config& config);

}  // namespace saferun::session
