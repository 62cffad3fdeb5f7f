#pragma once
// safe-run's own lines on stderr, each "safe-run: …". Notices go quiet with -q; errors and
// warnings about what reaches the child never do. Nothing passed here may hold a secret.

#include <iosfwd>
#include <string>

#include "session/session_options.h"

namespace saferun::session {

class Reporter {
 public:
  Reporter(std::ostream& out, Verbosity verbosity) : out_(out), verbosity_(verbosity) {}

  void warning(const std::string& line) const;
  void notice(const std::string& line) const;   // not with --quiet
  void detail(const std::string& line) const;   // only with --verbose
  bool verbose() const { return verbosity_ == Verbosity::verbose; }
  std::ostream& stream() const { return out_; }

 private:
  std::ostream& out_;
  Verbosity verbosity_;
};

}  // namespace saferun::session
