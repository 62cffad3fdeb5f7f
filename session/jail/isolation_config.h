#pragma once
// How much of the jail a session asks for, from `--isolation` and the config's "isolation"
// object: {"mode": "auto", "read_only": ["~/bin"], "hide": ["~/.kube"]}. Pure.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace saferun::session {
class JsonFields;
}

namespace saferun::session::jail {

enum class IsolationMode {
  off,        // the child shares safe-run's process table, mounts and terminal (the old way)
  automatic,  // isolate when the kernel allows it; say so loudly when it does not
  required,   // refuse to start (exit 125) when isolation cannot be set up
};

std::optional<IsolationMode> parse_isolation_mode(std::string_view text);  // "off", "auto", "required"
std::string_view isolation_mode_name(IsolationMode mode);

struct IsolationConfig {
  std::optional<IsolationMode> mode;  // the config's choice; --isolation overrides it
  std::vector<std::string> read_only;  // extra paths the agent may read but not change
  std::vector<std::string> hide;       // extra paths the agent cannot see at all
};

// Parses the optional "isolation" key; paths must be absolute or start with "~/".
IsolationConfig parse_isolation_config(JsonFields& top, const std::string& origin);

}  // namespace saferun::session::jail
