#include "session/check_command.h"

#include <cstdlib>
#include <ostream>

#include "session/config_loader.h"
#include "session/secret_unlock.h"

namespace saferun::session {

int run_check(const SessionOptions& options, std::ostream& out) {
  Config config = load_config(options.config_path, [](const char* name) { return std::getenv(name); });
  out << "config: " << config.origin << " (" << config.routes.size() << " routes)\n";
  bool all_ok = true;
  for (const auto& check : check_secrets(config)) {
    all_ok = all_ok && check.ok;
    out << "route " << check.route << ": " << (check.ok ? "OK" : "FAILED") << " (" << check.source << ")";
    if (!check.ok) out << ": " << check.problem;
    out << '\n';
  }
  return all_ok ? 0 : 1;
}

}  // namespace saferun::session
