#pragma once
// "Say what is in force": where each route sends the real key, whenever that is not the
// provider's own API — so a config or variable that redirects the key (planted, or simply
// forgotten) is visible at every start. Pure.

#include <string>
#include <vector>

#include "session/config.h"

namespace saferun::session {

// One line per route whose upstream is not a provider's official API, naming the config
// file or the variable it came from.
std::vector<std::string> upstream_notices(const Config& config);

}  // namespace saferun::session
