#pragma once
// Command profiles: what a known agent needs, beyond the routes' variables, to reach the
// broker with nothing configured by hand — as data, keyed on the command's name, plus pure
// functions that apply it. A profile never weakens the rules: it only renames or copies the
// variables the routes already give the child (the token, the base URLs), adds arguments
// built from them, and asks for a per-session settings overlay; the key never goes in.
//
//   claude, claude-code  ANTHROPIC_API_KEY={token} becomes ANTHROPIC_AUTH_TOKEN (Claude Code
//                        asks "use this API key?" for every new key, never for a token).
//   codex                `-c` overrides for a provider "safe-run": the openai route's base URL,
//                        the token from OPENAI_API_KEY, the Responses API over WebSocket; and
//                        shell snapshots off (they dump the environment, token included, into
//                        ~/.codex/shell_snapshots where they outlive the session).
//   gemini               GEMINI_CLI_HOME -> a per-session overlay whose .gemini/settings.json
//                        is the user's, plus security.auth.selectedType = "gemini-api-key"
//                        (without it, a custom base URL makes `gemini -p` exit 41).
//   opencode             OPENCODE_CONFIG_CONTENT = inline config giving each served provider
//                        the broker's base URL and "{env:VAR}" (the token's variable) as its
//                        key: its AI SDK reads ANTHROPIC_BASE_URL as ending in /v1, has no
//                        variable for Gemini's, and a saved `opencode auth login` key would win.
//   aider, gpt-engineer  OPENAI_API_BASE = OPENAI_BASE_URL (the older name they read).

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace saferun::session {

using EnvVars = std::vector<std::pair<std::string, std::string>>;

// A home directory made for the session: `variable` points the agent at it; inside, the
// user's `dir` is mirrored (entries linked) except `settings_file`, which is the user's
// JSON with `settings_overrides` merged over it.
struct HomeOverlay {
  std::string_view variable;            // "GEMINI_CLI_HOME"
  std::string_view dir;                 // ".gemini", relative to the home
  std::string_view settings_file;       // "settings.json", inside dir
  std::string_view settings_overrides;  // JSON object text, merged over the user's
};

// A variable holding a JSON object made for the session (opencode's inline config): each
// member is {JSON pointer, template}; a member whose template names a variable that is not
// set (its route is not served) is left out, and without members the variable is not set.
struct JsonVariable {
  std::string_view variable;  // "OPENCODE_CONFIG_CONTENT"
  std::vector<std::pair<std::string_view, std::string_view>> members;
};

struct CommandProfile {
  std::string_view name;                   // shown in verbose output and the README
  std::vector<std::string_view> commands;  // basenames it applies to
  // {FROM, TO}: a FROM holding the token is given to the child as TO instead.
  std::vector<std::pair<std::string_view, std::string_view>> token_renames;
  // {TO, FROM}: TO gets FROM's value too (when FROM is set and TO is not).
  std::vector<std::pair<std::string_view, std::string_view>> copies;
  // Inserted after argv[0], group by group; `{NAME}` is a child variable's value, and
  // `{env:NAME}` stays as written but, like `{NAME}`, needs NAME to be set. A group
  // naming a variable that is not set (its route is not served) is left out whole.
  std::vector<std::vector<std::string_view>> arguments;
  std::optional<HomeOverlay> overlay;
  std::optional<JsonVariable> json_variable;
};

// The built-in table.
const std::vector<CommandProfile>& command_profiles();

// The profile for a command's basename ("/usr/bin/codex" -> codex), or nullptr.
const CommandProfile* find_command_profile(std::string_view argv0);

// Renames and copies `vars` (the routes' rendered child variables) as the profile says, and
// adds its JSON variable built from them.
void apply_profile_vars(const CommandProfile& profile, EnvVars& vars, std::string_view token);

// argv with the profile's arguments after argv[0], their {NAME}s filled from `vars`.
std::vector<std::string> apply_profile_arguments(const CommandProfile& profile,
                                                 const std::vector<std::string>& argv, const EnvVars& vars);

// The overlay's settings file: `user_settings` (the user's file's text; "" or unparseable
// counts as {}) with the overrides merged over it, as JSON text.
std::string overlay_settings(const HomeOverlay& overlay, std::string_view user_settings);

}  // namespace saferun::session
