#include "session/jail/jail_paths.h"

#include <algorithm>
#include <catch2/catch.hpp>

using namespace saferun::session::jail;

namespace {

bool has(const std::vector<std::string>& list, const std::string& path) {
  return std::find(list.begin(), list.end(), path) != list.end();
}

}  // namespace

TEST_CASE("the next session's trusted files are read-only by default", "[jail_paths]") {
  JailPathsInput input;
  input.home = "/home/u";
  input.config_dir = "/home/u/.config/safe-run";
  input.config_file = "/etc/team/safe-run.json";
  auto paths = plan_jail_paths(input);
  for (const char* path : {"/home/u/.config/safe-run", "/etc/team/safe-run.json", "/home/u/.bashrc", "/home/u/.profile",
                           "/home/u/.bash_profile", "/home/u/.zshrc", "/home/u/.zshenv", "/home/u/.config/fish"})
    CHECK(has(paths.read_only, path));
  CHECK(paths.hidden.empty());
}

TEST_CASE("the stores of the session's own secrets are hidden", "[jail_paths]") {
  JailPathsInput input;
  input.home = "/home/u/";
  input.secret_files = {"/home/u/keys/anthropic.key"};
  input.secret_commands = {"pass", "/usr/bin/op", "aws", "my-own-tool"};
  auto paths = plan_jail_paths(input);
  CHECK(paths.hidden == std::vector<std::string>{"/home/u/keys/anthropic.key", "/home/u/.password-store",
                                                 "/home/u/.config/op", "/home/u/.op", "/home/u/.aws"});
}

TEST_CASE("the config extends both lists, with ~ for the home and no duplicates", "[jail_paths]") {
  JailPathsInput input;
  input.home = "/home/u";
  input.extra_read_only = {"~/bin", "/opt/tools/", "~/.bashrc"};
  input.extra_hidden = {"~/.kube", "~/.kube"};
  auto paths = plan_jail_paths(input);
  CHECK(has(paths.read_only, "/home/u/bin"));
  CHECK(has(paths.read_only, "/opt/tools"));
  CHECK(std::count(paths.read_only.begin(), paths.read_only.end(), "/home/u/.bashrc") == 1);
  CHECK(paths.hidden == std::vector<std::string>{"/home/u/.kube"});
}

TEST_CASE("without a home only absolute paths are planned", "[jail_paths]") {
  JailPathsInput input;
  input.extra_read_only = {"~/bin", "/opt/tools"};
  auto paths = plan_jail_paths(input);
  CHECK(paths.read_only == std::vector<std::string>{"/opt/tools"});
  CHECK(expand_home("~/x", "") == "");
  CHECK(expand_home("/abs", "") == "/abs");
}
