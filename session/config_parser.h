#pragma once
// Parses a whole config document (see configs/README.md for every field).

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "session/config.h"

namespace saferun::session {

// `origin` names the file in every error. Throws SetupError.
Config parse_config_text(std::string_view text, const std::string& origin);
Config parse_config_json(const nlohmann::json& document, const std::string& origin);

}  // namespace saferun::session
