#pragma once
// The child's environment, built from empty: an allowlist of the user's variables, the
// routes' variables, SAFE_RUN_* and NO_PROXY. Nothing else of safe-run's environment reaches
// the child — in particular no variable that held a secret. Pure: no getenv, no setenv.

#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace saferun::session {

// Variables passed when present: PATH HOME USER LOGNAME SHELL TERM COLORTERM LANG LC_* TZ TMPDIR.
const std::vector<std::string>& default_pass_env();

// NAME matches "NAME" exactly, or "PREFIX*" by prefix.
bool env_pattern_matches(std::string_view pattern, std::string_view name);

// *_API_KEY, *_TOKEN, *_SECRET, *_PASSWORD, AWS_*, ...: never passed by a pattern.
bool looks_like_credential(std::string_view name);

struct ChildEnvRequest {
  std::vector<std::string_view> parent;           // safe-run's environment, "NAME=value"
  std::vector<std::string> config_pass_env;       // allowlist additions from the config
  std::vector<std::string> cli_pass_env;          // --pass-env: explicit names or patterns
  std::set<std::string> secret_variables;         // variables that are secret sources
  std::vector<std::pair<std::string, std::string>> route_vars;  // rendered templates
  std::string broker_url;                         // http://127.0.0.1:<port>
  std::string_view token;
  std::string session_id;
};

struct ChildEnv {
  std::vector<std::string> entries;   // "NAME=value", sorted by name; holds the token: wipe
  std::vector<std::string> warnings;  // one line each, naming variables, never values
};

ChildEnv build_child_env(const ChildEnvRequest& request);

// Fills `{base_url}` and `{token}` in a child_env template.
std::string render_env_template(std::string_view text, std::string_view base_url,
                                std::string_view token);

}  // namespace saferun::session
