#include "session/jail/protected_paths.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace saferun::session::jail {

std::vector<PathIdentity> record_identities(const std::vector<std::string>& paths) {
  std::vector<PathIdentity> out;
  out.reserve(paths.size());
  for (const auto& path : paths) {
    struct stat info{};
    struct stat parent{};
    PathIdentity identity{path};
    if (::lstat(path.c_str(), &info) == 0) {
      identity.exists = true;
      identity.replaceable = S_ISLNK(info.st_mode) || S_ISDIR(info.st_mode);
      identity.device = info.st_dev;
      identity.inode = info.st_ino;
    }
    auto slash = path.rfind('/');
    if (::stat(slash == 0 ? "/" : path.substr(0, slash).c_str(), &parent) == 0)
      identity.parent_device = parent.st_dev, identity.parent_inode = parent.st_ino;
    out.push_back(identity);
  }
  return out;
}

std::vector<std::string> changed_paths(const std::vector<PathIdentity>& before,
                                       const std::vector<PathIdentity>& after) {
  std::vector<std::string> changed;
  for (std::size_t i = 0; i < before.size() && i < after.size(); ++i) {
    const auto& was = before[i];
    const auto& now = after[i];
    if (!now.exists) continue;  // a path that went away cannot mislead the next session
    if (!was.exists) {
      changed.push_back(now.path);
      continue;
    }
    bool same = was.device == now.device && was.inode == now.inode;
    bool same_parent = was.parent_device == now.parent_device && was.parent_inode == now.parent_inode;
    if (!same && (was.replaceable || !same_parent)) changed.push_back(now.path);
  }
  return changed;
}

std::vector<std::string> quarantine_changed(const std::vector<PathIdentity>& before, const std::string& session_id) {
  std::vector<std::string> paths;
  for (const auto& identity : before) paths.push_back(identity.path);
  std::vector<std::string> lines;
  for (const auto& path : changed_paths(before, record_identities(paths))) {
    auto aside = path + ".safe-run-quarantine-" + session_id;
    if (std::rename(path.c_str(), aside.c_str()) == 0)
      lines.push_back(path + " appeared or was replaced during the session; moved to " + aside);
    else
      lines.push_back(path + " appeared or was replaced during the session and could not be moved aside (" +
                      std::strerror(errno) + "): check it before starting a shell");
  }
  return lines;
}

}  // namespace saferun::session::jail
