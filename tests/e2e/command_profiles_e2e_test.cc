// Command profiles seen from the child: stand-in `codex` and `gemini` scripts under the real
// names report the arguments, variables and files safe-run gave them.

#include <catch2/catch.hpp>
#include <filesystem>

#include "tests/e2e/safe_run.h"

using namespace saferun::test;

namespace {

ProcessResult run_stand_in(const TempDir& dir, const std::string& name, const std::string& script,
                           std::vector<std::string> args, std::vector<std::string> env) {
  dir.write(name, "#!/bin/sh\n" + script, 0755);
  env.push_back("PATH=" + dir.path() + ":/usr/bin:/bin");
  env.push_back("XDG_RUNTIME_DIR=" + dir.path());
  args.insert(args.begin(), name);
  args.insert(args.begin(), "--");
  return run_process(safe_run_argv(args), base_env(env));
}

}  // namespace

TEST_CASE("codex gets its provider's -c overrides before its own arguments, and no key", "[e2e][profiles]") {
  TempDir dir;
  auto key = fake_key("sk-proj-");
  auto result = run_stand_in(dir, "codex", "printf 'ARG %s\\n' \"$@\"; exec /usr/bin/env\n", {"exec", "hi there"},
                             {"OPENAI_API_KEY=" + key});
  REQUIRE(result.status == 0);
  CHECK(contains(result.out, "ARG -c\nARG model_provider=safe-run\n"));
  CHECK(contains(result.out, "ARG model_providers.safe-run.base_url=http://127.0.0.1:"));
  CHECK(contains(result.out, "/openai/v1\nARG -c\nARG model_providers.safe-run.env_key=OPENAI_API_KEY\n"));
  CHECK(contains(result.out, "ARG features.shell_snapshot=false\nARG exec\nARG hi there\n"));
  CHECK(contains(result.out, "OPENAI_API_KEY=srt_"));
  CHECK_FALSE(contains(result.out + result.err, key));
}

TEST_CASE("any other command gets its arguments untouched", "[e2e][profiles]") {
  TempDir dir;
  auto result = run_stand_in(dir, "codex-helper", "printf 'ARG %s\\n' \"$@\"\n", {"exec"}, {"OPENAI_API_KEY=sk-x"});
  REQUIRE(result.status == 0);
  CHECK(result.out == "ARG exec\n");
}

TEST_CASE("gemini gets a settings overlay that is the user's plus API-key auth, gone after the session",
          "[e2e][profiles]") {
  TempDir dir;
  TempDir home;
  std::filesystem::create_directories(home.path() + "/.gemini");
  const std::string user_settings = R"({"ui": {"theme": "Dracula"}})";
  home.write(".gemini/settings.json", user_settings);
  home.write(".gemini/GEMINI.md", "remember this");
  auto key = fake_key("AIza-");
  auto result = run_stand_in(
      dir, "gemini",
      "echo \"HOME_OVERLAY $GEMINI_CLI_HOME\"; cat \"$GEMINI_CLI_HOME/.gemini/settings.json\"; echo;"
      "cat \"$GEMINI_CLI_HOME/.gemini/GEMINI.md\"; echo; exec /usr/bin/env\n",
      {"-p", "hi"}, {"GEMINI_API_KEY=" + key, "HOME=" + home.path()});
  REQUIRE(result.status == 0);
  CHECK(contains(result.out, "\"selectedType\": \"gemini-api-key\""));
  CHECK(contains(result.out, "\"theme\": \"Dracula\""));
  CHECK(contains(result.out, "remember this"));
  CHECK(contains(result.out, "GEMINI_API_KEY=srt_"));
  CHECK(contains(result.out, "GOOGLE_GEMINI_BASE_URL=http://127.0.0.1:"));
  CHECK_FALSE(contains(result.out + result.err, key));
  CHECK(read_file(home.path() + "/.gemini/settings.json") == user_settings);
  auto line = result.out.substr(result.out.find("HOME_OVERLAY ") + 13);
  auto overlay = line.substr(0, line.find('\n'));
  REQUIRE_FALSE(overlay.empty());
  CHECK_FALSE(std::filesystem::exists(overlay));
}
