#include "session/reporter.h"

#include <ostream>

namespace saferun::session {

void Reporter::warning(const std::string& line) const { out_ << "safe-run: warning: " << line << std::endl; }

void Reporter::notice(const std::string& line) const {
  if (verbosity_ != Verbosity::quiet) out_ << "safe-run: " << line << std::endl;
}

void Reporter::detail(const std::string& line) const {
  if (verbosity_ == Verbosity::verbose) out_ << "safe-run: " << line << std::endl;
}

}  // namespace saferun::session
