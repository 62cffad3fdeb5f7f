#pragma once
// A session's configuration: the routes the broker serves, where each route's secret comes
// from, which variables the child gets, and the limits. Parsed and validated up front; a
// Config that exists is valid.

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "broker/broker_settings.h"
#include "broker/policy/policy_rules.h"
#include "broker/route.h"
#include "session/jail/isolation_config.h"

namespace saferun::session {

struct SecretSource {
  enum class Kind { none, env, file, fd, command };
  Kind kind = Kind::none;
  std::vector<std::string> env_names;  // env: the first variable that is set wins
  std::string path;                    // file
  int fd = -1;                         // fd
  std::vector<std::string> argv;       // command, run without a shell
  std::chrono::seconds timeout{30};    // command

  // "env:ANTHROPIC_API_KEY" (first name), "file:/path", "fd:3", "command:op", "none".
  std::string label() const;
};

struct RouteConfig {
  broker::Route route;
  SecretSource secret;
  // NAME -> template; `{base_url}` and `{token}` are filled in for the child.
  std::vector<std::pair<std::string, std::string>> child_env;
};

struct StoreConfig;  // session/store_config.h

struct Config {
  std::string origin;  // the file it came from, or "built-in default"
  std::vector<RouteConfig> routes;
  std::vector<std::string> pass_env;  // extra allowlist names / NAME_* patterns
  std::chrono::seconds grace{10};
  broker::BrokerLimits limits;
  jail::IsolationConfig isolation;  // "isolation": mode, read_only, hide
  broker::policy::PolicySettings policy;  // session-wide rules and the price table
  std::string audit_log;                  // persistent audit trail ("" = none)
  std::shared_ptr<const StoreConfig> store;  // null: no shared store (the default)
};

}  // namespace saferun::session
