#pragma once
// The one exception type for safe-run's own set-up failures. It carries its context in the
// message ("config.json: routes[1].upstream: expected an https:// URL") and is caught once,
// in main, which prints it and exits 125. It never carries a secret's value.

#include <stdexcept>
#include <string>

namespace saferun::session {

class SetupError : public std::runtime_error {
 public:
  explicit SetupError(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace saferun::session
