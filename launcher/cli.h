#pragma once
// The command line: `safe-run [OPTIONS] [--] COMMAND [ARGS...]`. Like env(1) and timeout(1),
// the first word that is not an option starts the command; `--` ends the options. The one
// exception is `safe-run [--config FILE] check`, unless a `--` came first. Pure.

#include <string>
#include <vector>

#include "session/session_options.h"

namespace saferun::launcher {

struct CommandLine {
  enum class Action { run, check, help, version, error };
  Action action = Action::run;
  std::string error;  // one line, for Action::error
  session::SessionOptions options;
};

CommandLine parse_command_line(const std::vector<std::string>& args);  // args without argv[0]

std::string usage_text();
std::string version_text();

}  // namespace saferun::launcher
