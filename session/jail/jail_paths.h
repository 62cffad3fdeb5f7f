#pragma once
// Which paths the jail makes read-only and which it hides. Pure.
//
// Read-only: what the next session trusts — safe-run's config directory (and a --config
// file), the user's shell start-up files, the command path's directories in the home, and
// the config's "isolation.read_only" list.
// Hidden: where the session's own secrets live — a `file` source's path, the store of each
// `command` source's tool (~/.password-store for pass, ~/.aws for aws, ...), the user's
// tmux sockets and systemd user bus, and the config's "isolation.hide" list.

#include <optional>
#include <string>
#include <vector>

namespace saferun::session::jail {

struct JailPathsInput {
  std::string home;                          // $HOME; "" when unset
  std::optional<std::string> config_dir;     // $XDG_CONFIG_HOME/safe-run or ~/.config/safe-run
  std::optional<std::string> config_file;    // --config FILE, absolute
  std::vector<std::string> extra_read_only;  // as written: absolute or "~/..."
  std::vector<std::string> extra_hidden;
  std::vector<std::string> secret_files;     // `file` sources
  std::vector<std::string> secret_commands;  // argv[0] of each `command` source
  // $PATH's entries as safe-run got them: those in the home are where the user's shell finds
  // `safe-run`, `op`, `git` next time, so they are read-only (none in or above the working
  // directory, which the agent must be able to write).
  std::vector<std::string> command_path;
  std::string working_dir;
  // Sockets of the user's services that run commands outside the jail on request (a tmux
  // server: `tmux run-shell`, `send-keys`; systemd's user manager: `systemd-run --user`).
  std::optional<std::string> tmux_dir;     // ${TMUX_TMPDIR:-/tmp}/tmux-<uid>
  std::optional<std::string> runtime_dir;  // $XDG_RUNTIME_DIR
};

struct JailPaths {
  std::vector<std::string> read_only;
  std::vector<std::string> hidden;
};

JailPaths plan_jail_paths(const JailPathsInput& input);

// "~/x" -> home + "/x"; other paths unchanged; "" when it needs a home and there is none.
std::string expand_home(const std::string& path, const std::string& home);

}  // namespace saferun::session::jail
