#pragma once
// The built-in configuration, so `export ANTHROPIC_API_KEY=…; safe-run -- claude` needs no
// config file: an `anthropic` and an `openai` route whose upstreams follow safe-run's own
// $ANTHROPIC_BASE_URL / $OPENAI_BASE_URL when set.

#include <functional>
#include <nlohmann/json.hpp>

#include "session/config.h"

namespace saferun::session {

using EnvLookup = std::function<const char*(const char*)>;

// Config::origin of the built-in default.
inline constexpr const char* kBuiltInConfigOrigin = "built-in default config";

// The default as a config document (what `configs/default.json` shows), upstreams resolved.
nlohmann::json default_config_document(const EnvLookup& getenv);
Config default_config(const EnvLookup& getenv);

}  // namespace saferun::session
