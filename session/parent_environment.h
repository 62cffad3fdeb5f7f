#pragma once
// Whether the key safe-run just took is also in its parent's environment (the shell that ran
// `ANTHROPIC_API_KEY=… safe-run …`, a CI step's shell, a tmux server): safe-run can scrub only
// its own copy. The jail hides the parent from the agent, but the user should know.

#include <sys/types.h>

#include <string>
#include <string_view>

namespace saferun::session {

// True when /proc/<parent>/environ holds `secret`'s bytes. The copy read is wiped.
bool environment_of_holds(pid_t parent, std::string_view secret);

// "bash (pid 1234)", from /proc/<pid>/comm.
std::string describe_process(pid_t pid);

}  // namespace saferun::session
