#pragma once
// The session's private directory, $XDG_RUNTIME_DIR/safe-run/<id> (else
// ${TMPDIR:-/tmp}/safe-run-<uid>/<id>), mode 0700, holding the audit log. Removed when the
// session ends; a directory whose owning safe-run died (SIGKILL) is removed by the next start.

#include <string>

#include "session/default_config.h"

namespace saferun::session {

class SessionDir {
 public:
  // Creates the directory (and a 0700 root owned by us); throws SetupError naming the path.
  SessionDir(const EnvLookup& getenv, const std::string& session_id);
  ~SessionDir();  // removes it and everything in it
  SessionDir(const SessionDir&) = delete;
  SessionDir& operator=(const SessionDir&) = delete;

  const std::string& path() const { return path_; }
  std::string events_path() const { return path_ + "/events.jsonl"; }

 private:
  std::string path_;
  std::string own_root_;  // a fallback root made for this session alone, removed with it
};

// The directory session directories live in (not created).
std::string session_root(const EnvLookup& getenv);

// Removes session directories under `root` whose owner process no longer exists; returns how
// many. Never follows symlinks.
int remove_stale_sessions(const std::string& root);

}  // namespace saferun::session
