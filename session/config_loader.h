#pragma once
// Finds and loads the session's config: --config FILE, else
// $XDG_CONFIG_HOME/safe-run/config.json (default ~/.config/safe-run/config.json) when it
// exists, else the built-in default.

#include <optional>
#include <string>

#include "session/config.h"
#include "session/default_config.h"

namespace saferun::session {

// The user's config file path (whether or not it exists); nullopt when neither
// XDG_CONFIG_HOME nor HOME is set.
std::optional<std::string> user_config_path(const EnvLookup& getenv);

// Throws SetupError naming the file for unreadable or invalid configs.
Config load_config(const std::optional<std::string>& explicit_path, const EnvLookup& getenv);

}  // namespace saferun::session
