#include "session/home_overlay.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "session/setup_error.h"

namespace saferun::session {
namespace fs = std::filesystem;

namespace {

void make_private_dir(const fs::path& path) {
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST)
    throw SetupError(path.string() + ": cannot create the agent's settings overlay: " + std::strerror(errno));
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Every entry of the user's directory but the settings file, linked, so the agent's history,
// memory files and extensions are the user's own.
void link_user_entries(const fs::path& user_dir, const fs::path& overlay_dir, std::string_view settings_file) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(user_dir, ec)) {
    if (entry.path().filename() == settings_file) continue;
    fs::create_symlink(entry.path(), overlay_dir / entry.path().filename(), ec);
  }
}

}  // namespace

std::string make_home_overlay(const HomeOverlay& overlay, const std::string& session_dir,
                              const std::string& user_home) {
  fs::path home = fs::path(session_dir) / "home";
  fs::path dir = home / std::string(overlay.dir);
  make_private_dir(home);
  make_private_dir(dir);
  fs::path user_dir = user_home.empty() ? fs::path() : fs::path(user_home) / std::string(overlay.dir);
  std::string user_settings;
  if (!user_dir.empty()) {
    link_user_entries(user_dir, dir, overlay.settings_file);
    user_settings = read_text(user_dir / std::string(overlay.settings_file));
  }
  fs::path settings = dir / std::string(overlay.settings_file);
  std::ofstream out(settings, std::ios::trunc);
  out << overlay_settings(overlay, user_settings) << '\n';
  if (!out) throw SetupError(settings.string() + ": cannot write the agent's settings overlay");
  return home.string();
}

}  // namespace saferun::session
