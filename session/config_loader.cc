#include "session/config_loader.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "session/config_parser.h"
#include "session/setup_error.h"

namespace saferun::session {
namespace {

std::string read_config_file(const std::string& path) {
  struct stat info{};
  if (::stat(path.c_str(), &info) != 0)
    throw SetupError(path + ": cannot read config: " + std::strerror(errno));
  if (!S_ISREG(info.st_mode)) throw SetupError(path + ": cannot read config: not a regular file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw SetupError(path + ": cannot read config: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool exists(const std::string& path) {
  struct stat info{};
  return ::stat(path.c_str(), &info) == 0;
}

}  // namespace

std::optional<std::string> user_config_path(const EnvLookup& getenv) {
  if (const char* xdg = getenv("XDG_CONFIG_HOME"); xdg != nullptr && *xdg == '/')
    return std::string(xdg) + "/safe-run/config.json";
  if (const char* home = getenv("HOME"); home != nullptr && *home != '\0')
    return std::string(home) + "/.config/safe-run/config.json";
  return std::nullopt;
}

Config load_config(const std::optional<std::string>& explicit_path, const EnvLookup& getenv) {
  if (explicit_path) return parse_config_text(read_config_file(*explicit_path), *explicit_path);
  if (auto path = user_config_path(getenv); path && exists(*path))
    return parse_config_text(read_config_file(*path), *path);
  return default_config(getenv);
}

}  // namespace saferun::session
