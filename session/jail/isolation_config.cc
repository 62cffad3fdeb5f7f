#include "session/jail/isolation_config.h"

#include "session/json_fields.h"

namespace saferun::session::jail {
namespace {

std::vector<std::string> path_list(JsonFields& fields, const std::string& key) {
  if (!fields.has(key)) return {};
  auto paths = fields.strings(key);
  for (std::size_t i = 0; i < paths.size(); ++i) {
    const auto& path = paths[i];
    if (!path.starts_with("/") && !path.starts_with("~/"))
      fields.fail(key + "[" + std::to_string(i) + "]", "expected an absolute path or one starting with ~/");
  }
  return paths;
}

}  // namespace

std::optional<IsolationMode> parse_isolation_mode(std::string_view text) {
  if (text == "off") return IsolationMode::off;
  if (text == "auto") return IsolationMode::automatic;
  if (text == "required") return IsolationMode::required;
  return std::nullopt;
}

std::string_view isolation_mode_name(IsolationMode mode) {
  switch (mode) {
    case IsolationMode::off: return "off";
    case IsolationMode::automatic: return "auto";
    case IsolationMode::required: return "required";
  }
  return "?";
}

IsolationConfig parse_isolation_config(JsonFields& top, const std::string& origin) {
  IsolationConfig config;
  const auto* value = top.optional("isolation");
  if (value == nullptr) return config;
  JsonFields fields(*value, origin, "isolation");
  if (fields.has("mode")) {
    config.mode = parse_isolation_mode(fields.string("mode"));
    if (!config.mode) fields.fail("mode", "expected \"off\", \"auto\" or \"required\"");
  }
  config.read_only = path_list(fields, "read_only");
  config.hide = path_list(fields, "hide");
  fields.reject_unknown_keys();
  return config;
}

}  // namespace saferun::session::jail
