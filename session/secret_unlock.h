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
};

// In dry-run every route is enabled with no secret and nothing is read. Otherwise a route
// whose secret is absent is left out with a notice. Variables read are overwritten in place in
// safe-run's own environment block, so /proc/<pid>/environ no longer holds them.
UnlockResult unlock_secrets(const Config& config, bool dry_run);

}  // namespace saferun::session
