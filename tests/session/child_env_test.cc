#include "session/child_env.h"

#include <algorithm>
#include <catch2/catch.hpp>

using namespace saferun::session;

namespace {

ChildEnvRequest request_with(std::vector<std::string_view> parent) {
  ChildEnvRequest request;
  request.parent = std::move(parent);
  request.broker_url = "http://127.0.0.1:5000";
  request.token = "srt_tok";
  request.session_id = "abc";
  return request;
}

std::vector<std::string> names_of(const ChildEnv& env) {
  std::vector<std::string> names;
  for (const auto& entry : env.entries) names.push_back(entry.substr(0, entry.find('=')));
  return names;
}

bool has_entry(const ChildEnv& env, const std::string& entry) {
  return std::find(env.entries.begin(), env.entries.end(), entry) != env.entries.end();
}

}  // namespace

TEST_CASE("the child gets only allowlisted variables plus safe-run's own", "[child_env]") {
  auto request = request_with({"PATH=/bin", "HOME=/h", "LC_ALL=C", "EDITOR=vim", "SSH_AUTH_SOCK=/s",
                               "ANTHROPIC_API_KEY=sk-real"});
  request.secret_variables = {"ANTHROPIC_API_KEY"};
  request.route_vars = {{"ANTHROPIC_BASE_URL", "http://127.0.0.1:5000/anthropic"}};
  auto env = build_child_env(request);
  CHECK(names_of(env) == std::vector<std::string>{"ANTHROPIC_BASE_URL", "HOME", "LC_ALL", "NO_PROXY", "PATH",
                                                  "SAFE_RUN_BROKER_URL", "SAFE_RUN_SESSION", "SAFE_RUN_TOKEN",
                                                  "no_proxy"});
  CHECK(has_entry(env, "SAFE_RUN_TOKEN=srt_tok"));
  for (const auto& entry : env.entries) CHECK(entry.find("sk-real") == std::string::npos);
}

TEST_CASE("a route variable overrides the user's variable of the same name", "[child_env]") {
  auto request = request_with({"ANTHROPIC_BASE_URL=https://elsewhere"});
  request.cli_pass_env = {"ANTHROPIC_BASE_URL"};
  request.route_vars = {{"ANTHROPIC_BASE_URL", "http://127.0.0.1:5000/anthropic"}};
  auto env = build_child_env(request);
  CHECK(has_entry(env, "ANTHROPIC_BASE_URL=http://127.0.0.1:5000/anthropic"));
  CHECK_FALSE(has_entry(env, "ANTHROPIC_BASE_URL=https://elsewhere"));
}

TEST_CASE("NO_PROXY keeps the user's hosts and adds the broker's", "[child_env]") {
  auto env = build_child_env(request_with({"no_proxy=corp.example,localhost"}));
  CHECK(has_entry(env, "NO_PROXY=corp.example,localhost,127.0.0.1"));
  CHECK(has_entry(env, "no_proxy=corp.example,localhost,127.0.0.1"));
  auto fresh = build_child_env(request_with({}));
  CHECK(has_entry(fresh, "NO_PROXY=127.0.0.1,localhost"));
}

TEST_CASE("credential-like variables are not passed by a pattern", "[child_env]") {
  auto request = request_with({"GITHUB_TOKEN=ghp", "GIT_AUTHOR_NAME=me", "AWS_REGION=x"});
  request.config_pass_env = {"GIT*", "AWS_*"};
  auto env = build_child_env(request);
  CHECK(has_entry(env, "GIT_AUTHOR_NAME=me"));
  CHECK_FALSE(has_entry(env, "GITHUB_TOKEN=ghp"));
  CHECK_FALSE(has_entry(env, "AWS_REGION=x"));
  CHECK(env.warnings.size() == 2);
}

TEST_CASE("naming a credential-like name passes it with a warning", "[child_env]") {
  auto request = request_with({"GITHUB_TOKEN=ghp"});
  request.cli_pass_env = {"GITHUB_TOKEN"};
  auto env = build_child_env(request);
  CHECK(has_entry(env, "GITHUB_TOKEN=ghp"));
  REQUIRE(env.warnings.size() == 1);
  CHECK(env.warnings[0].find("GITHUB_TOKEN") != std::string::npos);
  CHECK(env.warnings[0].find("ghp") == std::string::npos);
}

TEST_CASE("a secret source variable is never passed, even when named", "[child_env]") {
  auto request = request_with({"OPENAI_API_KEY=sk-real"});
  request.secret_variables = {"OPENAI_API_KEY"};
  request.cli_pass_env = {"OPENAI_API_KEY"};
  auto env = build_child_env(request);
  for (const auto& entry : env.entries) CHECK(entry.find("sk-real") == std::string::npos);
  CHECK(env.warnings.size() == 1);
}

TEST_CASE("credential-looking names are recognised by word", "[child_env]") {
  for (const char* name : {"OPENAI_API_KEY", "GITHUB_TOKEN", "DB_PASSWORD", "AWS_PROFILE", "MY_SECRET",
                           "OP_SERVICE_ACCOUNT_TOKEN", "SSH_AUTH_SOCK", "npm_config__auth"}) {
    INFO(name);
    CHECK(looks_like_credential(name));
  }
  for (const char* name : {"PATH", "HOME", "TERM", "LC_ALL", "KEYBOARD_LAYOUT_X", "TOKENIZERS_PARALLELISM"}) {
    INFO(name);
    CHECK_FALSE(looks_like_credential(name));
  }
}

TEST_CASE("env templates fill base_url and token and keep other braces", "[child_env]") {
  CHECK(render_env_template("{base_url}/v1", "http://b", "t") == "http://b/v1");
  CHECK(render_env_template("Bearer {token}", "b", "srt_x") == "Bearer srt_x");
  CHECK(render_env_template("{x}{", "b", "t") == "{x}{");
}

TEST_CASE("env patterns match names or prefixes", "[child_env]") {
  CHECK(env_pattern_matches("LC_*", "LC_ALL"));
  CHECK_FALSE(env_pattern_matches("LC_*", "LANG"));
  CHECK(env_pattern_matches("TERM", "TERM"));
  CHECK_FALSE(env_pattern_matches("TERM", "TERMINFO"));
}
