#include "session/config_parser.h"

#include <set>

#include "session/json_fields.h"
#include "session/policy_parser.h"
#include "session/route_parser.h"
#include "session/setup_error.h"
#include "session/store_config.h"

namespace saferun::session {
namespace {

nlohmann::json parse_json(std::string_view text, const std::string& origin) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    std::string what = e.what();  // "[json.exception.parse_error.101] parse error at line …"
    auto bracket = what.find("] ");
    throw SetupError(origin + ": invalid JSON: " +
                     (bracket == std::string::npos ? what : what.substr(bracket + 2)));
  }
}

std::chrono::seconds seconds_field(JsonFields& fields, const std::string& key) {
  return std::chrono::seconds(static_cast<std::int64_t>(fields.positive_integer(key)));
}

broker::BrokerLimits parse_limits(JsonFields& top, const std::string& origin) {
  broker::BrokerLimits limits;
  const auto* value = top.optional("limits");
  if (value == nullptr) return limits;
  JsonFields fields(*value, origin, "limits");
  if (fields.has("max_body_bytes")) limits.max_body_bytes = fields.positive_integer("max_body_bytes");
  if (fields.has("max_body_bytes_in_flight"))
    limits.max_body_bytes_in_flight = fields.positive_integer("max_body_bytes_in_flight");
  if (fields.has("max_header_bytes")) {
    limits.max_header_bytes = fields.positive_integer("max_header_bytes");
    if (limits.max_header_bytes > (1u << 20)) fields.fail("max_header_bytes", "at most 1048576");
  }
  if (fields.has("max_connections")) limits.max_connections = fields.positive_integer("max_connections");
  if (fields.has("header_timeout_seconds"))
    limits.header_timeout = seconds_field(fields, "header_timeout_seconds");
  if (fields.has("body_timeout_seconds")) limits.body_timeout = seconds_field(fields, "body_timeout_seconds");
  if (fields.has("connect_timeout_seconds"))
    limits.connect_timeout = seconds_field(fields, "connect_timeout_seconds");
  if (fields.has("upstream_idle_timeout_seconds"))
    limits.upstream_idle_timeout = seconds_field(fields, "upstream_idle_timeout_seconds");
  fields.reject_unknown_keys();
  return limits;
}

void check_routes_distinct(const std::vector<RouteConfig>& routes, const std::string& origin) {
  std::set<std::string> names;
  std::set<std::string> bases;
  std::set<std::string> vars;
  for (std::size_t i = 0; i < routes.size(); ++i) {
    const auto& route = routes[i].route;
    auto where = origin + ": routes[" + std::to_string(i) + "]";
    if (!names.insert(route.name).second)
      throw SetupError(where + ".name: duplicate route name '" + route.name + "'");
    if (!bases.insert(route.base_path).second)
      throw SetupError(where + ".base_path: '" + route.base_path + "' is used by another route");
    for (const auto& [name, value] : routes[i].child_env) {
      if (!vars.insert(name).second)
        throw SetupError(where + ".child_env." + name + ": set by another route too");
    }
  }
}

std::vector<RouteConfig> parse_routes(JsonFields& top, const std::string& origin) {
  const auto& value = top.required("routes");
  if (!value.is_array() || value.empty())
    top.fail("routes", "expected a non-empty array of routes");
  std::vector<RouteConfig> routes;
  for (std::size_t i = 0; i < value.size(); ++i)
    routes.push_back(parse_route(value[i], origin, "routes[" + std::to_string(i) + "]"));
  check_routes_distinct(routes, origin);
  return routes;
}

std::vector<std::string> parse_pass_env(JsonFields& top) {
  if (!top.has("pass_env")) return {};
  auto names = top.strings("pass_env");
  for (std::size_t i = 0; i < names.size(); ++i) {
    auto name = names[i];
    if (name.ends_with("*")) name.pop_back();
    if (!is_env_name(name))
      top.fail("pass_env[" + std::to_string(i) + "]", "expected a variable name or NAME_* pattern");
  }
  return names;
}

}  // namespace

Config parse_config_text(std::string_view text, const std::string& origin) {
  return parse_config_json(parse_json(text, origin), origin);
}

Config parse_config_json(const nlohmann::json& document, const std::string& origin) {
  JsonFields top(document, origin, "");
  Config config;
  config.origin = origin;
  config.routes = parse_routes(top, origin);
  config.pass_env = parse_pass_env(top);
  if (top.has("grace_seconds")) config.grace = seconds_field(top, "grace_seconds");
  config.limits = parse_limits(top, origin);
  config.isolation = jail::parse_isolation_config(top, origin);
  config.policy = parse_session_policy(top, origin);
  if (top.has("audit_log")) {
    config.audit_log = top.string("audit_log");
    if (config.audit_log.empty() || config.audit_log.front() != '/') top.fail("audit_log", "expected an absolute path");
  }
  if (const auto* store = top.optional("store")) config.store = std::make_shared<StoreConfig>(parse_store(*store, origin));
  top.reject_unknown_keys();
  if (!config.policy.shared.empty() && !config.store)
    throw SetupError(origin + ": policy.shared: shared limits need a \"store\" (a Redis URL) to live in");
  return config;
}

}  // namespace saferun::session
