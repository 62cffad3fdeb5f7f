#include "session/command_profiles.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace saferun::session {
namespace {

std::string_view basename_of(std::string_view path) {
  auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

const std::string* value_of(const EnvVars& vars, std::string_view name) {
  for (const auto& [var, value] : vars) {
    if (var == name) return &value;
  }
  return nullptr;
}

// `{NAME}` filled from `vars`, `{env:NAME}` kept as it is (a reference the tool resolves
// itself); nullopt when a named variable is not set.
std::optional<std::string> fill(std::string_view text, const EnvVars& vars) {
  constexpr std::string_view kReference = "env:";
  std::string out;
  while (!text.empty()) {
    auto open = text.find('{');
    auto close = open == std::string_view::npos ? open : text.find('}', open);
    if (close == std::string_view::npos) {
      out += text;
      break;
    }
    out += text.substr(0, open);
    auto name = text.substr(open + 1, close - open - 1);
    const bool reference = name.starts_with(kReference);
    if (reference) name.remove_prefix(kReference.size());
    const std::string* value = value_of(vars, name);
    if (value == nullptr) return std::nullopt;
    out += reference ? text.substr(open, close - open + 1) : std::string_view(*value);
    text.remove_prefix(close + 1);
  }
  return out;
}

// The profile's JSON variable from `vars`, or nullopt when none of its members' routes is served.
std::optional<std::string> json_variable_value(const JsonVariable& variable, const EnvVars& vars) {
  auto object = nlohmann::json::object();
  for (const auto& [pointer, text] : variable.members) {
    if (auto value = fill(text, vars)) object[nlohmann::json::json_pointer(std::string(pointer))] = *value;
  }
  if (object.empty()) return std::nullopt;
  return object.dump();
}

}  // namespace

const std::vector<CommandProfile>& command_profiles() {
  static const std::vector<CommandProfile> kProfiles = {
      {.name = "claude",
       .commands = {"claude", "claude-code"},
       .token_renames = {{"ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN"}},
       .copies = {},
       .arguments = {},
       .overlay = std::nullopt,
       .json_variable = std::nullopt},
      {.name = "codex",
       .commands = {"codex"},
       .token_renames = {},
       .copies = {},
       // A provider of its own rather than the built-in one's openai_base_url: its key comes
       // from env_key in `codex exec` and the TUI alike, and no login screen offers to save it.
       .arguments = {{"-c", "model_provider=safe-run",                                 //
                      "-c", "model_providers.safe-run.name=OpenAI through safe-run",   //
                      "-c", "model_providers.safe-run.base_url={OPENAI_BASE_URL}",     //
                      "-c", "model_providers.safe-run.env_key=OPENAI_API_KEY",         //
                      "-c", "model_providers.safe-run.wire_api=responses",             //
                      "-c", "model_providers.safe-run.supports_websockets=true"},
                     {"-c", "features.shell_snapshot=false"}},
       .overlay = std::nullopt,
       .json_variable = std::nullopt},
      {.name = "gemini",
       .commands = {"gemini"},
       .token_renames = {},
       .copies = {},
       .arguments = {},
       .overlay = HomeOverlay{"GEMINI_CLI_HOME", ".gemini", "settings.json",
                              R"({"security":{"auth":{"selectedType":"gemini-api-key"}}})"},
       .json_variable = std::nullopt},
      {.name = "opencode",
       .commands = {"opencode"},
       .token_renames = {},
       .copies = {},
       .arguments = {},
       .overlay = std::nullopt,
       // Its inline config is merged over the user's and the project's opencode.json, so
       // nothing on disk is read differently or written. Base URLs: its AI SDK takes
       // ANTHROPIC_BASE_URL as ending in /v1 and has no variable for Gemini's. Keys: a key
       // saved by `opencode auth login` would win over the environment, and Google's SDK reads
       // GOOGLE_GENERATIVE_AI_API_KEY only; `{env:NAME}` makes opencode take the token from the
       // variable, so the JSON holds no secret.
       .json_variable = JsonVariable{"OPENCODE_CONFIG_CONTENT",
                                     {{"/provider/anthropic/options/baseURL", "{ANTHROPIC_BASE_URL}/v1"},
                                      {"/provider/anthropic/options/apiKey", "{env:ANTHROPIC_API_KEY}"},
                                      {"/provider/openai/options/baseURL", "{OPENAI_BASE_URL}"},
                                      {"/provider/openai/options/apiKey", "{env:OPENAI_API_KEY}"},
                                      {"/provider/google/options/baseURL", "{GOOGLE_GEMINI_BASE_URL}/v1beta"},
                                      {"/provider/google/options/apiKey", "{env:GEMINI_API_KEY}"},
                                      {"/provider/openrouter/options/baseURL", "{OPENROUTER_BASE_URL}"},
                                      {"/provider/openrouter/options/apiKey", "{env:OPENROUTER_API_KEY}"}}}},
      {.name = "aider",
       .commands = {"aider", "gpt-engineer", "gpte"},
       .token_renames = {},
       .copies = {{"OPENAI_API_BASE", "OPENAI_BASE_URL"}},
       .arguments = {},
       .overlay = std::nullopt,
       .json_variable = std::nullopt},
  };
  return kProfiles;
}

const CommandProfile* find_command_profile(std::string_view argv0) {
  auto name = basename_of(argv0);
  for (const auto& profile : command_profiles()) {
    if (std::find(profile.commands.begin(), profile.commands.end(), name) != profile.commands.end())
      return &profile;
  }
  return nullptr;
}

void apply_profile_vars(const CommandProfile& profile, EnvVars& vars, std::string_view token) {
  for (const auto& [from, to] : profile.token_renames) {
    if (value_of(vars, to) != nullptr) continue;
    for (auto& [name, value] : vars) {
      if (name == from && value == token) name = std::string(to);
    }
  }
  for (const auto& [to, from] : profile.copies) {
    const std::string* value = value_of(vars, from);
    if (value == nullptr || value_of(vars, to) != nullptr) continue;
    std::string copy = *value;  // before emplace_back: it may move *value
    vars.emplace_back(std::string(to), std::move(copy));
  }
  if (profile.json_variable && value_of(vars, profile.json_variable->variable) == nullptr) {
    if (auto value = json_variable_value(*profile.json_variable, vars))
      vars.emplace_back(std::string(profile.json_variable->variable), std::move(*value));
  }
}

std::vector<std::string> apply_profile_arguments(const CommandProfile& profile, const std::vector<std::string>& argv,
                                                 const EnvVars& vars) {
  std::vector<std::string> out;
  if (argv.empty()) return out;
  out.push_back(argv.front());
  for (const auto& group : profile.arguments) {
    std::vector<std::string> filled;
    for (const auto& argument : group) {
      auto value = fill(argument, vars);
      if (!value) break;
      filled.push_back(std::move(*value));
    }
    if (filled.size() == group.size()) out.insert(out.end(), filled.begin(), filled.end());
  }
  out.insert(out.end(), argv.begin() + 1, argv.end());
  return out;
}

std::string overlay_settings(const HomeOverlay& overlay, std::string_view user_settings) {
  auto settings = nlohmann::json::parse(user_settings, nullptr, /*allow_exceptions=*/false,
                                        /*ignore_comments=*/true);
  if (!settings.is_object()) settings = nlohmann::json::object();
  settings.merge_patch(nlohmann::json::parse(overlay.settings_overrides));
  return settings.dump(2);
}

}  // namespace saferun::session
