#include "session/secret_unlock.h"

#include <openssl/crypto.h>

#include <cstdlib>
#include <cstring>
#include <optional>

namespace saferun::session {
namespace {

// Reads the first set variable and scrubs its value where it lies in memory. The bytes are
// overwritten, not unset: the environment block the kernel shows in /proc/<pid>/environ is
// the same memory getenv() returns for variables nobody has set since exec.
std::optional<broker::Secret> take_from_environment(const std::vector<std::string>& names,
                                                    std::string& used) {
  for (const auto& name : names) {
    char* value = std::getenv(name.c_str());
    if (value == nullptr || *value == '\0') continue;
    broker::Secret secret{std::string_view(value)};
    OPENSSL_cleanse(value, std::strlen(value));
    used = name;
    return secret;
  }
  return std::nullopt;
}

void scrub_environment(const std::vector<std::string>& names) {
  for (const auto& name : names) {
    if (char* value = std::getenv(name.c_str())) OPENSSL_cleanse(value, std::strlen(value));
  }
}

}  // namespace

UnlockResult unlock_secrets(const Config& config, bool dry_run) {
  UnlockResult result;
  for (const auto& route_config : config.routes) {
    broker::ActiveRoute active{route_config.route, {}};
    const auto& source = route_config.secret;
    if (dry_run || source.kind == SecretSource::Kind::none) {
      scrub_environment(source.env_names);  // unread, but still not left lying around
      if (!dry_run) {
        result.notices.push_back("route '" + route_config.route.name +
                                 "' not enabled: it has no secret source (dry-run only)");
        continue;
      }
      result.active.push_back(std::move(active));
      continue;
    }
    std::string used;
    auto secret = take_from_environment(source.env_names, used);
    if (!secret) {
      std::string names;
      for (const auto& name : source.env_names) names += (names.empty() ? "$" : " or $") + name;
      result.notices.push_back("route '" + route_config.route.name + "' not enabled: " + names +
                               " is not set");
      continue;
    }
    active.route.secret_label = "env:" + used;
    active.secret = std::move(*secret);
    result.active.push_back(std::move(active));
  }
  return result;
}

}  // namespace saferun::session
