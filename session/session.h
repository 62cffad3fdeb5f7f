#pragma once
// One safe-run session, from loading the config to the child's exit status.

#include "session/reporter.h"
#include "session/session_options.h"

namespace saferun::session {

class Session {
 public:
  Session(SessionOptions options, Reporter reporter)
      : options_(std::move(options)), reporter_(reporter) {}

  // Returns the status safe-run exits with (see exit_status.h). Throws SetupError for a
  // failure before the child started; by then nothing is left running.
  int run();

 private:
  SessionOptions options_;
  Reporter reporter_;
};

}  // namespace saferun::session
