#pragma once
// What the child leaves behind. safe-run is a child subreaper (PR_SET_CHILD_SUBREAPER), so a
// background job or a double-forked daemon of the child is re-parented to safe-run rather
// than to init, and can always be found — and ended — from safe-run's own process tree.

#include <sys/types.h>

#include <chrono>
#include <vector>

namespace saferun::session {

struct ProcessEntry {
  pid_t pid = 0;
  pid_t parent = 0;
  char state = '?';  // 'Z' for a zombie
};

// Every process below `root` in `table`, zombies included. Pure.
std::vector<pid_t> descendants_in(const std::vector<ProcessEntry>& table, pid_t root);

// The system's process table, read from /proc.
std::vector<ProcessEntry> read_process_table();

// Becomes a child subreaper; throws SetupError on failure.
void become_subreaper();

// Reaps this process's zombie children other than `keep` (the child Boost.Process reaps).
void reap_orphan_zombies(pid_t keep);

// Ends every live descendant: SIGTERM, then SIGKILL for those still alive after `grace`;
// reaps them all. Returns how many there were. Called after the child has been reaped.
int end_descendants(std::chrono::milliseconds grace);

}  // namespace saferun::session
