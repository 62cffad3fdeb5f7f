#pragma once
// The user namespace an unprivileged session enters so that it may make the PID and mount
// namespaces: the user is mapped to itself (no other identity exists inside), and when it
// cannot be had, an explanation that names the kernel setting responsible.

#include <sys/types.h>

#include <optional>
#include <string>

namespace saferun::session::jail {

// The uid_map and gid_map lines for the user itself, prepared before the fork.
struct IdentityMap {
  char uid_line[32] = {};
  char gid_line[32] = {};
};
IdentityMap identity_map(uid_t uid, gid_t gid);

// In the child, right after unshare(CLONE_NEWUSER): setgroups deny, uid_map, gid_map.
// Async-signal-safe; returns 0 or the errno of the write that failed.
int write_identity_map(const IdentityMap& map);

// The kernel settings that decide whether an unprivileged user namespace works.
struct UsernsSettings {
  std::optional<long> apparmor_restrict;        // kernel.apparmor_restrict_unprivileged_userns
  std::optional<long> max_user_namespaces;      // user.max_user_namespaces
  std::optional<long> unprivileged_userns_clone;  // kernel.unprivileged_userns_clone (Debian)
};
UsernsSettings read_userns_settings();

// Why the jail's `step` failed with `error`, naming the responsible setting when one is known.
// Pure.
std::string explain_jail_failure(const UsernsSettings& settings, const std::string& step, int error);

}  // namespace saferun::session::jail
