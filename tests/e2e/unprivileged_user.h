#pragma once
// An unprivileged user for the isolation tests, with a home of its own: CI runs as root, and
// root needs no user namespace and passes every permission check, so as root each command
// runs through setpriv as uid/gid 65534 (nobody). Not as root, the test user is unprivileged
// already. The binaries are copied where that user can reach them.

#include <string>
#include <vector>

#include "tests/support/temp_dir.h"

namespace saferun::test {

class UnprivilegedUser {
 public:
  UnprivilegedUser();

  const std::string& safe_run() const { return safe_run_; }  // a copy, mode 0755
  const std::string& attacker() const { return attacker_; }  // saferun-jail-attacker
  const std::string& home() const { return home_; }
  const std::string& base() const { return base_.path(); }   // world-readable scratch
  // A directory or file in the home, owned by the user.
  std::string make_dir(const std::string& relative) const;
  std::string make_file(const std::string& relative, const std::string& content) const;
  // `argv`, run as the user.
  std::vector<std::string> as_user(const std::vector<std::string>& argv) const;
  // PATH, HOME, LANG, TMPDIR and XDG_RUNTIME_DIR for the user, plus `extra`.
  std::vector<std::string> env(const std::vector<std::string>& extra = {}) const;
  // Copies `file` into the scratch directory under `name` with `mode`.
  std::string install_copy(const std::string& file, const std::string& name, unsigned mode) const;

 private:
  TempDir base_;
  std::string home_, runtime_, tmp_, safe_run_, attacker_;
};

}  // namespace saferun::test
