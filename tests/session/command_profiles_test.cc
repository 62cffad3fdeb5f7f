#include "session/command_profiles.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace saferun::session;

namespace {

const std::string* find(const EnvVars& vars, const std::string& name) {
  for (const auto& [var, value] : vars)
    if (var == name) return &value;
  return nullptr;
}

}  // namespace

TEST_CASE("profiles are found by the command's basename; claude-code is claude", "[command_profiles]") {
  REQUIRE(find_command_profile("claude") != nullptr);
  CHECK(find_command_profile("/usr/local/bin/claude-code") == find_command_profile("claude"));
  CHECK(find_command_profile("/opt/bin/codex")->name == "codex");
  CHECK(find_command_profile("gemini")->name == "gemini");
  CHECK(find_command_profile("python3") == nullptr);
  CHECK(find_command_profile("codex-wrapper") == nullptr);
}

TEST_CASE("for claude the token goes in ANTHROPIC_AUTH_TOKEN, not ANTHROPIC_API_KEY", "[command_profiles]") {
  EnvVars vars = {{"ANTHROPIC_BASE_URL", "u"}, {"ANTHROPIC_API_KEY", "srt_x"}};
  apply_profile_vars(*find_command_profile("claude"), vars, "srt_x");
  CHECK(find(vars, "ANTHROPIC_API_KEY") == nullptr);
  CHECK(*find(vars, "ANTHROPIC_AUTH_TOKEN") == "srt_x");
  EnvVars not_the_token = {{"ANTHROPIC_API_KEY", "something-else"}};
  apply_profile_vars(*find_command_profile("claude"), not_the_token, "srt_x");
  CHECK(find(not_the_token, "ANTHROPIC_API_KEY") != nullptr);
}

TEST_CASE("codex gets a provider pointed at the broker with the token's variable, and no shell snapshots",
          "[command_profiles]") {
  const auto& codex = *find_command_profile("codex");
  EnvVars vars = {{"OPENAI_BASE_URL", "http://127.0.0.1:5/openai/v1"}, {"OPENAI_API_KEY", "srt_x"}};
  auto before = vars;
  apply_profile_vars(codex, vars, "srt_x");
  CHECK(vars == before);
  auto argv = apply_profile_arguments(codex, {"codex", "exec", "hi"}, vars);
  CHECK(argv == std::vector<std::string>{
                    "codex", "-c", "model_provider=safe-run", "-c", "model_providers.safe-run.name=OpenAI through safe-run",
                    "-c", "model_providers.safe-run.base_url=http://127.0.0.1:5/openai/v1", "-c",
                    "model_providers.safe-run.env_key=OPENAI_API_KEY", "-c", "model_providers.safe-run.wire_api=responses",
                    "-c", "model_providers.safe-run.supports_websockets=true", "-c", "features.shell_snapshot=false",
                    "exec", "hi"});
}

TEST_CASE("a profile's argument group whose route is not served is left out whole", "[command_profiles]") {
  auto argv = apply_profile_arguments(*find_command_profile("codex"), {"codex"}, {});
  CHECK(argv == std::vector<std::string>{"codex", "-c", "features.shell_snapshot=false"});
}

TEST_CASE("gemini's overlay settings keep the user's and force API-key auth", "[command_profiles]") {
  const auto& overlay = *find_command_profile("gemini")->overlay;
  auto merged = nlohmann::json::parse(overlay_settings(
      overlay, R"({ // comments are allowed in Gemini's settings
        "ui": {"theme": "Dracula"}, "security": {"auth": {"selectedType": "oauth-personal"}, "x": 1}})"));
  CHECK(merged["ui"]["theme"] == "Dracula");
  CHECK(merged["security"]["x"] == 1);
  CHECK(merged["security"]["auth"]["selectedType"] == "gemini-api-key");
  CHECK(nlohmann::json::parse(overlay_settings(overlay, ""))["security"]["auth"]["selectedType"] == "gemini-api-key");
  CHECK(nlohmann::json::parse(overlay_settings(overlay, "not json"))["security"]["auth"]["selectedType"] ==
        "gemini-api-key");
}

TEST_CASE("no profile ever carries a key: only variables the routes already set are renamed or copied",
          "[command_profiles]") {
  for (const auto& profile : command_profiles()) {
    INFO(profile.name);
    EnvVars vars = {{"OPENAI_BASE_URL", "b"}, {"OPENAI_API_KEY", "srt_x"}, {"ANTHROPIC_API_KEY", "srt_x"}};
    apply_profile_vars(profile, vars, "srt_x");
    for (const auto& [name, value] : vars) {
      INFO(name);
      if (profile.json_variable && name == profile.json_variable->variable)
        CHECK(value.find("srt_x") == std::string::npos);
      else
        CHECK((value == "srt_x" || value == "b"));
    }
  }
}

TEST_CASE("opencode's inline config gives each served provider the broker's base URL, and no key",
          "[command_profiles]") {
  const auto& opencode = *find_command_profile("/usr/local/bin/opencode");
  EnvVars vars = {{"ANTHROPIC_BASE_URL", "http://127.0.0.1:5/anthropic"}, {"ANTHROPIC_API_KEY", "srt_x"},
                  {"GOOGLE_GEMINI_BASE_URL", "http://127.0.0.1:5/gemini"}, {"GEMINI_API_KEY", "srt_x"}};
  apply_profile_vars(opencode, vars, "srt_x");
  REQUIRE(find(vars, "OPENCODE_CONFIG_CONTENT") != nullptr);
  auto config = nlohmann::json::parse(*find(vars, "OPENCODE_CONFIG_CONTENT"));
  CHECK(config == nlohmann::json::parse(R"({"provider": {
      "anthropic": {"options": {"baseURL": "http://127.0.0.1:5/anthropic/v1", "apiKey": "{env:ANTHROPIC_API_KEY}"}},
      "google": {"options": {"baseURL": "http://127.0.0.1:5/gemini/v1beta", "apiKey": "{env:GEMINI_API_KEY}"}}}})"));
  CHECK(*find(vars, "ANTHROPIC_API_KEY") == "srt_x");
  CHECK(*find(vars, "ANTHROPIC_BASE_URL") == "http://127.0.0.1:5/anthropic");
}

TEST_CASE("opencode gets no inline config when no route it knows is served, nor over a config's own",
          "[command_profiles]") {
  const auto& opencode = *find_command_profile("opencode");
  EnvVars none = {{"SOMETHING_ELSE", "x"}};
  apply_profile_vars(opencode, none, "srt_x");
  CHECK(find(none, "OPENCODE_CONFIG_CONTENT") == nullptr);
  EnvVars own = {{"OPENAI_BASE_URL", "b"}, {"OPENCODE_CONFIG_CONTENT", R"({"share":"disabled"})"}};
  apply_profile_vars(opencode, own, "srt_x");
  CHECK(own.size() == 2);
  CHECK(*find(own, "OPENCODE_CONFIG_CONTENT") == R"({"share":"disabled"})");
}

TEST_CASE("aider-style tools get OPENAI_API_BASE beside OPENAI_BASE_URL when the openai route is served",
          "[command_profiles]") {
  for (auto command : {"aider", "gpt-engineer", "gpte"}) {
    INFO(command);
    const auto* profile = find_command_profile(command);
    REQUIRE(profile != nullptr);
    EnvVars vars = {{"OPENAI_BASE_URL", "http://127.0.0.1:5/openai/v1"}, {"OPENAI_API_KEY", "srt_x"}};
    apply_profile_vars(*profile, vars, "srt_x");
    CHECK(*find(vars, "OPENAI_API_BASE") == "http://127.0.0.1:5/openai/v1");
    CHECK(*find(vars, "OPENAI_API_KEY") == "srt_x");
    EnvVars anthropic_only = {{"ANTHROPIC_API_KEY", "srt_x"}};
    apply_profile_vars(*profile, anthropic_only, "srt_x");
    CHECK(find(anthropic_only, "OPENAI_API_BASE") == nullptr);
  }
}
