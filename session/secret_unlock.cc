#include "session/secret_unlock.h"

#include <optional>

#include "session/secret_command.h"
#include "session/secret_sources.h"
#include "session/setup_error.h"

namespace saferun::session {
namespace {

std::string env_names_text(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "$" : " or $") + name;
  return text;
}

// The route's secret, or nullopt when its environment variable is not set. Throws SetupError
// (without the route's name) when an explicit source fails. `label` says where it came from.
std::optional<broker::Secret> unlock_route(const SecretSource& source, std::string& label) {
  label = source.label();
  switch (source.kind) {
    case SecretSource::Kind::none: return std::nullopt;
    case SecretSource::Kind::env: {
      std::string used;
      auto secret = take_env_secret(source.env_names, used);
      if (secret) label = "env:" + used;
      return secret;
    }
    case SecretSource::Kind::file: return read_file_secret(source.path);
    case SecretSource::Kind::fd: return read_fd_secret(source.fd);
    case SecretSource::Kind::command: return run_secret_command(source.argv, source.timeout);
  }
  return std::nullopt;
}

std::string absence_reason(const SecretSource& source) {
  if (source.kind == SecretSource::Kind::none) return "it has no secret source (dry-run only)";
  return env_names_text(source.env_names) + " is not set";
}

}  // namespace

UnlockResult unlock_secrets(const Config& config, bool dry_run) {
  UnlockResult result;
  for (const auto& route_config : config.routes) {
    const auto& source = route_config.secret;
    broker::ActiveRoute active{route_config.route, {}};
    if (dry_run) {
      scrub_env(source.env_names);  // unread, but still not left lying around
      result.active.push_back(std::move(active));
      continue;
    }
    std::optional<broker::Secret> secret;
    try {
      secret = unlock_route(source, active.route.secret_label);
    } catch (const SetupError& e) {
      throw SetupError("route '" + route_config.route.name + "': " + e.what());
    }
    if (!secret) {
      result.notices.push_back("route '" + route_config.route.name + "' not enabled: " + absence_reason(source));
      continue;
    }
    active.secret = std::move(*secret);
    result.active.push_back(std::move(active));
  }
  return result;
}

broker::Secret unlock_store_secret(const SecretSource& source) {
  if (source.kind == SecretSource::Kind::none) return {};
  std::string label;
  std::optional<broker::Secret> secret;
  try {
    secret = unlock_route(source, label);
  } catch (const SetupError& e) {
    throw SetupError(std::string("store: ") + e.what());
  }
  if (!secret) throw SetupError("store: its password source is empty: " + absence_reason(source));
  return std::move(*secret);
}

std::vector<RouteCheck> check_secrets(const Config& config) {
  std::vector<RouteCheck> checks;
  for (const auto& route_config : config.routes) {
    RouteCheck check{route_config.route.name, route_config.secret.label(), false, {}};
    try {
      auto secret = unlock_route(route_config.secret, check.source);
      check.ok = secret.has_value();
      if (!secret) check.problem = absence_reason(route_config.secret);
    } catch (const SetupError& e) {
      check.problem = e.what();
    }
    checks.push_back(std::move(check));
  }
  return checks;
}

}  // namespace saferun::session
