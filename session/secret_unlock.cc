#include "session/secret_unlock.h"

#include <map>
#include <optional>

#include "session/secret_command.h"
#include "session/secret_sources.h"
#include "session/setup_error.h"
#include "session/store_config.h"

namespace saferun::session {
namespace {

std::string env_names_text(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "$" : " or $") + name;
  return text;
}

// Every environment secret any route names, taken (and scrubbed from our environment) before
// any helper runs: a secret command then inherits no route's key, and routes may share a name.
class EnvSecrets {
 public:
  explicit EnvSecrets(const Config& config) {
    for (const auto& route : config.routes) take(route.secret);
    if (config.store) take(config.store->secret);
  }
  // A copy of the first of `names` that was set; `used` names it.
  std::optional<broker::Secret> find(const std::vector<std::string>& names, std::string& used) const {
    for (const auto& name : names) {
      if (auto it = taken_.find(name); it != taken_.end()) {
        used = name;
        return broker::Secret(it->second.reveal());
      }
    }
    return std::nullopt;
  }

 private:
  void take(const SecretSource& source) {
    if (source.kind != SecretSource::Kind::env) return;
    for (const auto& name : source.env_names) {
      std::string used;
      if (taken_.count(name) == 0)
        if (auto secret = take_env_secret({name}, used)) taken_.emplace(name, std::move(*secret));
    }
  }

  std::map<std::string, broker::Secret> taken_;
};

// The route's secret, or nullopt when its environment variable is not set. Throws SetupError
// (without the route's name) when an explicit source fails. `label` says where it came from.
std::optional<broker::Secret> unlock_route(const SecretSource& source, const EnvSecrets& env, std::string& label) {
  label = source.label();
  switch (source.kind) {
    case SecretSource::Kind::none: return std::nullopt;
    case SecretSource::Kind::env: {
      std::string used;
      auto secret = env.find(source.env_names, used);
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

// The shared store's password (Kind::none: no password, an empty Secret). An env source that
// is not set, or any source that fails, throws SetupError naming "store" and the source.
broker::Secret unlock_store_secret(const SecretSource& source, const EnvSecrets& env) {
  if (source.kind == SecretSource::Kind::none) return {};
  std::string label;
  std::optional<broker::Secret> secret;
  try {
    secret = unlock_route(source, env, label);
  } catch (const SetupError& e) {
    throw SetupError(std::string("store: ") + e.what());
  }
  if (!secret) throw SetupError("store: its password source is empty: " + absence_reason(source));
  return std::move(*secret);
}

}  // namespace

UnlockResult unlock_secrets(const Config& config, bool dry_run) {
  UnlockResult result;
  std::optional<EnvSecrets> env;
  if (!dry_run) env.emplace(config);
  for (const auto& route_config : config.routes) {
    const auto& source = route_config.secret;
    broker::ActiveRoute active{route_config.route, {}, {}};
    if (dry_run) {
      scrub_env(source.env_names);  // unread, but still not left lying around
      result.active.push_back(std::move(active));
      continue;
    }
    std::optional<broker::Secret> secret;
    try {
      secret = unlock_route(source, *env, active.route.secret_label);
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
  if (config.store && !dry_run) result.store_password = unlock_store_secret(config.store->secret, *env);
  return result;
}

std::vector<RouteCheck> check_secrets(const Config& config) {
  std::vector<RouteCheck> checks;
  const EnvSecrets env(config);
  for (const auto& route_config : config.routes) {
    RouteCheck check{route_config.route.name, route_config.secret.label(), false, {}};
    try {
      auto secret = unlock_route(route_config.secret, env, check.source);
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
