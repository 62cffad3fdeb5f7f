// A malformed config is a one-line error naming the file and the JSON path, exit 125, and
// nothing is started.

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "tests/e2e/safe_run.h"

using namespace saferun::test;

namespace {

struct ConfigRun {
  ProcessResult result;
  bool child_started = false;
};

ConfigRun run_with_config(const std::string& config_text, std::vector<std::string> env = {}) {
  TempDir dir;
  auto config = dir.write("config.json", config_text);
  auto marker = dir.path() + "/started";
  env.push_back("XDG_RUNTIME_DIR=" + dir.path());
  ConfigRun run;
  run.result = run_process(safe_run_argv({"--config", config, "--", "/bin/sh", "-c", "touch " + marker}),
                           base_env(env));
  // Nothing started: no child ran and no session directory was made.
  run.child_started = std::filesystem::exists(marker) || std::filesystem::exists(dir.path() + "/safe-run");
  return run;
}

const std::string kRoute = R"({"name": "x", "upstream": "https://api.example.com", "credential": "x-api-key: {secret}",
  "secret": {"env": "X_KEY"}, "allow": ["POST /v1/messages"]})";

}  // namespace

TEST_CASE("a config with an http upstream exits 125 naming the field", "[e2e][config]") {
  auto run = run_with_config(R"({"routes": [)" + kRoute + R"(, {"name": "y", "upstream": "http://api.example.com",
    "credential": "x-api-key: {secret}", "allow": []}]})");
  CHECK(run.result.status == 125);
  CHECK(contains(run.result.err, "config.json: routes[1].upstream: http:// is only allowed for loopback hosts"));
  CHECK(std::count(run.result.err.begin(), run.result.err.end(), '\n') == 1);
  CHECK_FALSE(run.child_started);
}

TEST_CASE("a config with an unknown key exits 125 naming it", "[e2e][config]") {
  auto run = run_with_config(R"({"routes": [)" + kRoute + R"(], "alow": []})");
  CHECK(run.result.status == 125);
  CHECK(contains(run.result.err, "config.json: alow: unknown key"));
  CHECK_FALSE(run.child_started);
}

TEST_CASE("a config that is not JSON exits 125 with the position", "[e2e][config]") {
  auto run = run_with_config("{\"routes\": [,]}");
  CHECK(run.result.status == 125);
  CHECK(contains(run.result.err, "config.json: invalid JSON: parse error at line 1"));
  CHECK_FALSE(run.child_started);
}

TEST_CASE("a missing config file exits 125 naming it", "[e2e][config]") {
  TempDir dir;
  auto result = run_process(safe_run_argv({"--config", dir.path() + "/absent.json", "true"}), base_env());
  CHECK(result.status == 125);
  CHECK(contains(result.err, "absent.json: cannot read config: No such file or directory"));
}

TEST_CASE("the user's XDG config file is used when no --config is given", "[e2e][config]") {
  TempDir dir;
  std::filesystem::create_directories(dir.path() + "/safe-run");
  dir.write("safe-run/config.json", "{\"routes\": 7}");
  auto result = run_process(safe_run_argv({"--dry-run", "true"}),
                            base_env({"XDG_CONFIG_HOME=" + dir.path(), "XDG_RUNTIME_DIR=" + dir.path()}));
  CHECK(result.status == 125);
  CHECK(contains(result.err, dir.path() + "/safe-run/config.json: routes: expected a non-empty array"));
}

TEST_CASE("a bad ANTHROPIC_BASE_URL for the built-in route exits 125 naming the variable", "[e2e][config]") {
  TempDir dir;
  auto result = run_process(safe_run_argv({"--dry-run", "true"}),
                            base_env({"ANTHROPIC_BASE_URL=not a url", "XDG_RUNTIME_DIR=" + dir.path()}));
  CHECK(result.status == 125);
  CHECK(contains(result.err, "$ANTHROPIC_BASE_URL: expected an https:// URL"));
}
