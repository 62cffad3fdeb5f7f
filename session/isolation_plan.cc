#include "session/isolation_plan.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "session/config_loader.h"

namespace saferun::session {
namespace {

std::optional<std::string> config_directory(const EnvLookup& getenv) {
  auto file = user_config_path(getenv);
  if (!file) return std::nullopt;
  return std::filesystem::path(*file).parent_path().string();
}

std::optional<std::string> absolute(const std::optional<std::string>& path) {
  if (!path) return std::nullopt;
  std::error_code ignored;
  return std::filesystem::absolute(*path, ignored).lexically_normal().string();
}

void make_directory(const std::string& path) {
  std::error_code ignored;
  std::filesystem::create_directories(path, ignored);
  ::chmod(path.c_str(), 0700);
}

std::vector<std::string> path_entries(const char* path) {
  std::vector<std::string> entries;
  std::string text = path == nullptr ? "" : path;
  for (std::size_t from = 0; from <= text.size();) {
    auto colon = std::min(text.find(':', from), text.size());
    entries.push_back(text.substr(from, colon - from));
    from = colon + 1;
  }
  return entries;
}

std::string tmux_directory(const EnvLookup& getenv) {
  const char* base = getenv("TMUX_TMPDIR");
  std::string dir = base != nullptr && *base != '\0' ? base : "/tmp";
  return dir + "/tmux-" + std::to_string(::getuid());
}

void add_user_surroundings(jail::JailPathsInput& input, const EnvLookup& getenv) {
  input.command_path = path_entries(getenv("PATH"));
  std::error_code ignored;
  input.working_dir = std::filesystem::current_path(ignored).string();
  input.tmux_dir = tmux_directory(getenv);
  const char* runtime = getenv("XDG_RUNTIME_DIR");
  input.runtime_dir = runtime != nullptr && *runtime != '\0' ? runtime : "/run/user/" + std::to_string(::getuid());
}

jail::JailPaths jail_paths(const Config& config, const SessionOptions& options, const EnvLookup& getenv) {
  jail::JailPathsInput input;
  if (const char* home = getenv("HOME")) input.home = home;
  input.config_dir = config_directory(getenv);
  input.config_file = absolute(options.config_path);
  input.extra_read_only = config.isolation.read_only;
  input.extra_hidden = config.isolation.hide;
  add_user_surroundings(input, getenv);
  for (const auto& route : config.routes) {
    if (route.secret.kind == SecretSource::Kind::file) input.secret_files.push_back(*absolute(route.secret.path));
    if (route.secret.kind == SecretSource::Kind::command && !route.secret.argv.empty())
      input.secret_commands.push_back(route.secret.argv.front());
  }
  return jail::plan_jail_paths(input);
}

}  // namespace

ChildIsolation plan_isolation(const Config& config, const SessionOptions& options, const EnvLookup& getenv,
                              std::optional<jail::TtyFilter>& filter) {
  ChildIsolation isolation;
  isolation.mode = options.isolation.value_or(config.isolation.mode.value_or(jail::IsolationMode::automatic));
  if (isolation.mode == jail::IsolationMode::off) return isolation;
  isolation.jail.paths = jail_paths(config, options, getenv);
  isolation.jail.grace = options.grace.value_or(config.grace);
  if (auto dir = config_directory(getenv)) {
    struct stat info{};
    if (::lstat(dir->c_str(), &info) != 0) make_directory(*dir);
  }
  filter.emplace();
  isolation.filter = &*filter;
  return isolation;
}

std::vector<std::string> identity_checked_paths(const ChildIsolation& isolation) {
  return isolation.jail.paths.read_only;
}

}  // namespace saferun::session
