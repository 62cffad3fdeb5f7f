#include <algorithm>
#include <catch2/catch.hpp>

#include "session/jail/jail_paths.h"

using namespace saferun::session::jail;

namespace {

bool has(const std::vector<std::string>& list, const std::string& path) {
  return std::find(list.begin(), list.end(), path) != list.end();
}

}  // namespace

TEST_CASE("the command path's directories in the home are read-only, none in or above the working directory",
          "[jail_paths][redteam]") {
  JailPathsInput input;
  input.home = "/home/u";
  input.working_dir = "/home/u/project/src";
  input.command_path = {"/home/u/.cargo/bin/", "/usr/bin", "", "bin", "/home/u", "/home/u/project",
                        "/home/u/project/src", "/home/u/project/src/node_modules/.bin", "/home/uu/bin"};
  auto paths = plan_jail_paths(input);
  for (const char* path : {"/home/u/.local/bin", "/home/u/bin", "/home/u/.cargo/bin"})
    CHECK(has(paths.read_only, path));
  for (const char* path : {"/usr/bin", "bin", "/home/u", "/home/u/project", "/home/u/project/src",
                           "/home/u/project/src/node_modules/.bin", "/home/uu/bin"})
    CHECK_FALSE(has(paths.read_only, path));
}

TEST_CASE("the user's tmux sockets and systemd user bus are hidden", "[jail_paths][redteam]") {
  JailPathsInput input;
  input.home = "/home/u";
  input.tmux_dir = "/tmp/tmux-1000";
  input.runtime_dir = "/run/user/1000/";
  auto paths = plan_jail_paths(input);
  CHECK(paths.hidden == std::vector<std::string>{"/tmp/tmux-1000", "/run/user/1000/bus", "/run/user/1000/systemd"});
}

TEST_CASE("what the next login starts is read-only", "[jail_paths][redteam]") {
  JailPathsInput input;
  input.home = "/home/u";
  auto paths = plan_jail_paths(input);
  CHECK(has(paths.read_only, "/home/u/.config/systemd/user"));
  CHECK(has(paths.read_only, "/home/u/.config/autostart"));
}
