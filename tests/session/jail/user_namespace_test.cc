#include "session/jail/user_namespace.h"

#include <catch2/catch.hpp>
#include <cerrno>

using namespace saferun::session::jail;

TEST_CASE("a refused user namespace is explained by the setting responsible", "[user_namespace]") {
  const std::string step = "creating the user, PID and mount namespaces";
  CHECK(explain_jail_failure({std::nullopt, 0, std::nullopt}, step, ENOSPC).ends_with(
      "(user namespaces are disabled: sysctl user.max_user_namespaces=0)"));
  CHECK(explain_jail_failure({std::nullopt, 1000, 0}, step, EPERM).find("kernel.unprivileged_userns_clone=0") !=
        std::string::npos);
  CHECK(explain_jail_failure({1, 1000, std::nullopt}, "mounting a private /proc", EPERM)
            .starts_with("mounting a private /proc: Operation not permitted (AppArmor restricts"));
  CHECK(explain_jail_failure({0, 1000, 1}, step, EPERM).find("container's seccomp policy") != std::string::npos);
  CHECK(explain_jail_failure({0, 1000, 1}, step, EINVAL) == step + ": Invalid argument");
}

TEST_CASE("the user is mapped to itself", "[user_namespace]") {
  auto map = identity_map(1000, 100);
  CHECK(std::string(map.uid_line) == "1000 1000 1\n");
  CHECK(std::string(map.gid_line) == "100 100 1\n");
}
