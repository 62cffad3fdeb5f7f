#include "session/secret_unlock.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <catch2/catch.hpp>

using namespace saferun::session;

namespace {

RouteConfig route_with(const std::string& name, SecretSource source) {
  RouteConfig route;
  route.route.name = name;
  route.route.base_path = "/" + name;
  route.secret = std::move(source);
  return route;
}

SecretSource command_source(const std::string& script) {
  SecretSource source;
  source.kind = SecretSource::Kind::command;
  source.argv = {"/bin/sh", "-c", script};
  source.timeout = std::chrono::seconds(5);
  return source;
}

SecretSource env_source(const std::string& name) {
  SecretSource source;
  source.kind = SecretSource::Kind::env;
  source.env_names = {name};
  return source;
}

}  // namespace

TEST_CASE("a secret helper sees no other route's environment secret", "[secret_unlock][secrets]") {
  ::setenv("SAFE_RUN_UNIT_OTHER_KEY", "sk-other-route-key", 1);
  Config config;
  config.routes = {route_with("helper", command_source("printf %s \"${SAFE_RUN_UNIT_OTHER_KEY:-absent}\"")),
                   route_with("other", env_source("SAFE_RUN_UNIT_OTHER_KEY"))};
  auto result = unlock_secrets(config, false);
  REQUIRE(result.active.size() == 2);
  CHECK(result.active[0].secret.reveal() == "absent");
  CHECK(result.active[1].secret.reveal() == "sk-other-route-key");
  ::unsetenv("SAFE_RUN_UNIT_OTHER_KEY");
}

TEST_CASE("a secret helper inherits no other route's secret descriptor", "[secret_unlock][secrets]") {
  int fd = ::open("/etc/hostname", O_RDONLY);  // deliberately inheritable, as a --fd source is
  REQUIRE(fd >= 0);
  SecretSource from_fd;
  from_fd.kind = SecretSource::Kind::fd;
  from_fd.fd = fd;
  Config config;
  auto probe = "if [ -e /proc/self/fd/" + std::to_string(fd) + " ]; then echo leaked; else echo clean; fi";
  config.routes = {route_with("helper", command_source(probe)), route_with("other", from_fd)};
  auto result = unlock_secrets(config, false);
  REQUIRE(result.active.size() == 2);
  CHECK(result.active[0].secret.reveal() == "clean");
}

TEST_CASE("two routes may name the same environment secret", "[secret_unlock]") {
  ::setenv("SAFE_RUN_UNIT_SHARED_KEY", "sk-shared", 1);
  Config config;
  config.routes = {route_with("one", env_source("SAFE_RUN_UNIT_SHARED_KEY")),
                   route_with("two", env_source("SAFE_RUN_UNIT_SHARED_KEY"))};
  auto result = unlock_secrets(config, false);
  REQUIRE(result.active.size() == 2);
  CHECK(result.active[0].secret.reveal() == "sk-shared");
  CHECK(result.active[1].secret.reveal() == "sk-shared");
  ::unsetenv("SAFE_RUN_UNIT_SHARED_KEY");
}
