#include "session/jail/jail_paths.h"

#include <algorithm>
#include <map>
#include <string_view>

namespace saferun::session::jail {
namespace {

// Read at the start of a shell or a login by the user's next session: whoever writes one runs
// code as the user outside the jail later, where the key is in reach.
constexpr std::string_view kShellStartupFiles[] = {
    "~/.bashrc",   "~/.bash_profile", "~/.bash_login",       "~/.profile",
    "~/.bash_logout", "~/.zshrc",     "~/.zshenv",           "~/.zprofile",
    "~/.zlogin",   "~/.zlogout",      "~/.config/fish",      "~/.config/environment.d",
    "~/.pam_environment", "~/.inputrc", "~/.ssh/rc",
};

// Where each secret tool keeps what unlocks the user's secrets: an agent that can read them
// reads the key straight from the store the session used.
const std::map<std::string, std::vector<std::string>, std::less<>> kSecretStores = {
    {"pass", {"~/.password-store"}},
    {"op", {"~/.config/op", "~/.op"}},
    {"aws", {"~/.aws"}},
    {"gcloud", {"~/.config/gcloud"}},
    {"az", {"~/.azure"}},
    {"vault", {"~/.vault-token"}},
    {"secret-tool", {"~/.local/share/keyrings"}},
};

// Started by the user's next login outside the jail: systemd user units enabled there
// (default.target.wants) and desktop autostart entries.
constexpr std::string_view kLoginStartupDirs[] = {"~/.config/systemd/user", "~/.config/autostart"};

// Debian's ~/.profile puts these first in PATH once they exist; Claude Code installs there.
constexpr std::string_view kHomeCommandDirs[] = {"~/.local/bin", "~/bin"};

// The user bus (`systemd-run --user`, D-Bus activation) and the user manager's private socket.
constexpr std::string_view kRuntimeServiceSockets[] = {"/bus", "/systemd"};

std::string basename_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string without_trailing_slashes(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

void add(std::vector<std::string>& out, const std::string& path, const std::string& home) {
  auto expanded = without_trailing_slashes(expand_home(path, home));
  if (expanded.empty() || expanded.front() != '/') return;
  if (std::find(out.begin(), out.end(), expanded) == out.end()) out.push_back(expanded);
}

bool inside(const std::string& path, const std::string& dir) {
  return path == dir || (path.starts_with(dir) && (dir == "/" || path[dir.size()] == '/'));
}

// The command path's directories in the home, but none in, of or holding the working directory:
// the project is the agent's to write (npm writes its node_modules/.bin).
void add_command_dirs(std::vector<std::string>& out, const JailPathsInput& input) {
  auto home = without_trailing_slashes(input.home);
  if (home.empty() || home == "/") return;
  for (auto dir : kHomeCommandDirs) add(out, std::string(dir), input.home);
  for (const auto& entry : input.command_path) {
    auto dir = without_trailing_slashes(entry);
    if (dir.empty() || dir.front() != '/' || !inside(dir, home) || dir == home) continue;
    if (!input.working_dir.empty() && (inside(input.working_dir, dir) || inside(dir, input.working_dir))) continue;
    add(out, dir, input.home);
  }
}

void add_service_sockets(std::vector<std::string>& out, const JailPathsInput& input) {
  if (input.tmux_dir) add(out, *input.tmux_dir, input.home);
  if (!input.runtime_dir || input.runtime_dir->empty()) return;
  for (auto name : kRuntimeServiceSockets) add(out, without_trailing_slashes(*input.runtime_dir) + std::string(name), input.home);
}

}  // namespace

std::string expand_home(const std::string& path, const std::string& home) {
  if (!path.starts_with("~/")) return path;
  if (home.empty() || home.front() != '/') return {};
  return without_trailing_slashes(home) + path.substr(1);
}

JailPaths plan_jail_paths(const JailPathsInput& input) {
  JailPaths paths;
  if (input.config_dir) add(paths.read_only, *input.config_dir, input.home);
  if (input.config_file) add(paths.read_only, *input.config_file, input.home);
  for (auto file : kShellStartupFiles) add(paths.read_only, std::string(file), input.home);
  for (auto dir : kLoginStartupDirs) add(paths.read_only, std::string(dir), input.home);
  add_command_dirs(paths.read_only, input);
  for (const auto& path : input.extra_read_only) add(paths.read_only, path, input.home);

  for (const auto& file : input.secret_files) add(paths.hidden, file, input.home);
  for (const auto& command : input.secret_commands) {
    auto store = kSecretStores.find(basename_of(command));
    if (store == kSecretStores.end()) continue;
    for (const auto& path : store->second) add(paths.hidden, path, input.home);
  }
  add_service_sockets(paths.hidden, input);
  for (const auto& path : input.extra_hidden) add(paths.hidden, path, input.home);
  return paths;
}

}  // namespace saferun::session::jail
