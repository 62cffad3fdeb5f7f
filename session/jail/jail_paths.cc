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
  for (const auto& path : input.extra_read_only) add(paths.read_only, path, input.home);

  for (const auto& file : input.secret_files) add(paths.hidden, file, input.home);
  for (const auto& command : input.secret_commands) {
    auto store = kSecretStores.find(basename_of(command));
    if (store == kSecretStores.end()) continue;
    for (const auto& path : store->second) add(paths.hidden, path, input.home);
  }
  for (const auto& path : input.extra_hidden) add(paths.hidden, path, input.home);
  return paths;
}

}  // namespace saferun::session::jail
