#include "session/jail/protected_paths.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace saferun::session::jail {
namespace {

std::string parent_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

// The agent could have taken write permission off the directory (it is the user's, so it
// may): give it back to its owner, who is the user and safe-run.
bool make_writable(const std::string& dir) {
  struct stat info{};
  if (::stat(dir.c_str(), &info) != 0 || info.st_uid != ::geteuid()) return false;
  return ::chmod(dir.c_str(), (info.st_mode & 07777) | S_IWUSR | S_IXUSR) == 0;
}

// Renames `path` to `aside`, or to `aside.1`, `aside.2`, ... when the agent took that name
// first (the session id is in its environment): never over anything, never giving up on a
// directory the agent made read-only. "" with errno set when it cannot.
std::string move_aside(const std::string& path, const std::string& aside) {
  bool unlocked = false;
  for (int attempt = 0; attempt < 16;) {
    auto name = attempt == 0 ? aside : aside + "." + std::to_string(attempt);
    if (::renameat2(AT_FDCWD, path.c_str(), AT_FDCWD, name.c_str(), RENAME_NOREPLACE) == 0) return name;
    if (errno == EEXIST || errno == ENOTEMPTY || errno == EISDIR || errno == ENOTDIR) {
      ++attempt;
    } else if ((errno == EACCES || errno == EPERM) && !unlocked) {
      unlocked = true;
      int error = errno;
      if (!make_writable(parent_of(path))) return errno = error, std::string();
    } else {
      return {};
    }
  }
  errno = EEXIST;
  return {};
}

void record_target(const std::string& path, PathIdentity& identity) {
  char* resolved = ::realpath(path.c_str(), nullptr);
  if (resolved == nullptr) return;
  std::string target(resolved);
  std::free(resolved);
  struct stat info{};
  struct stat parent{};
  if (::stat(target.c_str(), &info) != 0 || ::stat(parent_of(target).c_str(), &parent) != 0) return;
  identity.target_exists = true;
  identity.target_device = info.st_dev, identity.target_inode = info.st_ino;
  identity.target_parent_device = parent.st_dev, identity.target_parent_inode = parent.st_ino;
}

// A symlink's target appeared, or is a new file in a new directory.
bool target_replaced(const PathIdentity& was, const PathIdentity& now) {
  if (!now.target_exists) return false;  // it resolves to nothing: nothing runs
  if (!was.target_exists) return true;   // it pointed nowhere (nothing to mount over) and now does
  bool same = was.target_device == now.target_device && was.target_inode == now.target_inode;
  bool same_parent =
      was.target_parent_device == now.target_parent_device && was.target_parent_inode == now.target_parent_inode;
  return !same && !same_parent;
}

}  // namespace

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
      if (S_ISLNK(info.st_mode)) record_target(path, identity);
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
    if ((!same && (was.replaceable || !same_parent)) || target_replaced(was, now)) changed.push_back(now.path);
  }
  return changed;
}

std::vector<std::string> quarantine_changed(const std::vector<PathIdentity>& before, const std::string& session_id) {
  std::vector<std::string> paths;
  for (const auto& identity : before) paths.push_back(identity.path);
  std::vector<std::string> lines;
  for (const auto& path : changed_paths(before, record_identities(paths))) {
    auto aside = path + ".safe-run-quarantine-" + session_id;
    if (auto moved = move_aside(path, aside); !moved.empty())
      lines.push_back(path + " appeared or was replaced during the session; moved to " + moved);
    else
      lines.push_back(path + " appeared or was replaced during the session and could not be moved aside (" +
                      std::strerror(errno) + "): check it before starting a shell");
  }
  return lines;
}

}  // namespace saferun::session::jail
