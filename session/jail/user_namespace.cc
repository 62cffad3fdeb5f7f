#include "session/jail/user_namespace.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace saferun::session::jail {
namespace {

int write_file(const char* path, const char* text) {
  int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  auto length = static_cast<ssize_t>(std::strlen(text));
  int error = ::write(fd, text, static_cast<std::size_t>(length)) == length ? 0 : errno;
  ::close(fd);
  return error;
}

std::optional<long> read_number(const char* path) {
  std::ifstream in(path);
  long value = 0;
  if (in >> value) return value;
  return std::nullopt;
}

}  // namespace

IdentityMap identity_map(uid_t uid, gid_t gid) {
  IdentityMap map;
  std::snprintf(map.uid_line, sizeof map.uid_line, "%u %u 1\n", uid, uid);
  std::snprintf(map.gid_line, sizeof map.gid_line, "%u %u 1\n", gid, gid);
  return map;
}

int write_identity_map(const IdentityMap& map) {
  // The /proc files of a non-dumpable process belong to root, so the maps cannot be written
  // while safe-run's non-dumpable flag is inherited. The process is dumpable for just these
  // writes: it holds no secret (MADV_WIPEONFORK) and nothing of the agent runs yet.
  ::prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
  int error = 0;
  // Without "deny" an unprivileged process may not write gid_map (and could otherwise drop
  // supplementary groups that deny it access somewhere).
  if (error = write_file("/proc/self/setgroups", "deny"); error == ENOENT) error = 0;
  if (error == 0) error = write_file("/proc/self/uid_map", map.uid_line);
  if (error == 0) error = write_file("/proc/self/gid_map", map.gid_line);
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  return error;
}

UsernsSettings read_userns_settings() {
  return {read_number("/proc/sys/kernel/apparmor_restrict_unprivileged_userns"),
          read_number("/proc/sys/user/max_user_namespaces"),
          read_number("/proc/sys/kernel/unprivileged_userns_clone")};
}

std::string explain_jail_failure(const UsernsSettings& settings, const std::string& step, int error) {
  std::string what = step + ": " + std::strerror(error);
  if (settings.max_user_namespaces && *settings.max_user_namespaces == 0)
    return what + " (user namespaces are disabled: sysctl user.max_user_namespaces=0)";
  if (settings.unprivileged_userns_clone && *settings.unprivileged_userns_clone == 0)
    return what + " (unprivileged user namespaces are disabled: sysctl kernel.unprivileged_userns_clone=0)";
  if (settings.apparmor_restrict && *settings.apparmor_restrict != 0)
    return what +
           " (AppArmor restricts unprivileged user namespaces: sysctl "
           "kernel.apparmor_restrict_unprivileged_userns=1; see README, \"Isolation\")";
  if (error == EPERM || error == ENOSPC)
    return what + " (user namespaces are not permitted here: a container's seccomp policy or a sysctl?)";
  return what;
}

}  // namespace saferun::session::jail
