#pragma once
// What a bind mount cannot protect, checked when the session ends. A read-only bind mount
// needs the path to exist, and it covers a file, not its name: an agent could create a
// missing ~/.bash_profile, replace a ~/.bashrc that is a symlink, or rename the directory
// above safe-run's config directory and make a new one. So each protected path is recorded
// (its device and inode, or its absence) before the agent starts; when the session ends —
// every process of the jail is gone by then, nothing can race — a path that appeared or
// was replaced behind the mount is moved aside to "<path>.safe-run-quarantine-<session id>" and reported.

#include <sys/types.h>

#include <string>
#include <vector>

namespace saferun::session::jail {

struct PathIdentity {
  std::string path;
  bool exists = false;
  bool replaceable = false;  // a symlink or directory: the mount does not pin its name
  dev_t device = 0;
  ino_t inode = 0;
  dev_t parent_device = 0;
  ino_t parent_inode = 0;
  // For a symlink, what it resolves to (the file the mount covers) and that file's
  // directory: a stow-style ~/.bashrc -> dotfiles/bashrc is replaced by renaming dotfiles.
  bool target_exists = false;
  dev_t target_device = 0;
  ino_t target_inode = 0;
  dev_t target_parent_device = 0;
  ino_t target_parent_inode = 0;
};

// lstat of each path (a symlink is its own identity).
std::vector<PathIdentity> record_identities(const std::vector<std::string>& paths);

// The paths that appeared, or were replaced in a way only the agent could have: a symlink or
// directory with a new identity, or a file whose directory is a new one. A file replaced in
// the same directory is the user's own edit (the agent cannot rename a mount point). A symlink
// counts as replaced too when what it resolves to changed that way. Pure.
std::vector<std::string> changed_paths(const std::vector<PathIdentity>& before,
                                       const std::vector<PathIdentity>& after);

// Moves each changed path aside; returns one line per path for the user.
std::vector<std::string> quarantine_changed(const std::vector<PathIdentity>& before, const std::string& session_id);

}  // namespace saferun::session::jail
