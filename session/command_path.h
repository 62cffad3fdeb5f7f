#pragma once
// Resolves the command's argv[0] the way the child's shell would: against the *child's* PATH
// (not ours), so what runs is what the user would get with the environment the child has.

#include <string>
#include <string_view>

namespace saferun::session {

struct ResolvedCommand {
  int failure_status = 0;  // 0 on success, else 126 (not executable) or 127 (not found)
  std::string path;        // absolute or as given (when it contains '/')
  std::string message;     // "claude: command not found", for failures
};

// `child_path` is the PATH the child gets; empty means the default /usr/local/bin:/usr/bin:/bin.
ResolvedCommand resolve_command(std::string_view name, std::string_view child_path);

}  // namespace saferun::session
