// --isolation=off|auto|required and the config's "isolation" key: `required` refuses to
// start (125, saying what is missing) where user namespaces are denied — simulated by a
// seccomp filter that makes the kernel refuse CLONE_NEWUSER (saferun-no-userns) — `auto`
// runs and warns, `off` says nothing. Also the notices about what is in force.

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "tests/e2e/safe_run.h"
#include "tests/e2e/unprivileged_user.h"

using namespace saferun::test;

namespace {

std::string write_config(const UnprivilegedUser& user, const std::string& name, const std::string& extra) {
  auto path = user.base() + "/" + name;
  std::ofstream(path) << R"({"routes": [{"name": "anthropic", "provider": "anthropic",
    "upstream": "https://api.anthropic.com", "credential": "x-api-key: {secret}",
    "secret": {"env": "ANTHROPIC_API_KEY"}, "allow": ["POST /v1/messages"]}])" + extra + "}";
  ::chmod(path.c_str(), 0644);
  return path;
}

// `args` for safe-run, run as the unprivileged user where user namespaces are refused.
ProcessResult without_userns(const UnprivilegedUser& user, const std::vector<std::string>& args) {
  auto no_userns = user.install_copy(NO_USERNS_BINARY, "saferun-no-userns", 0755);
  std::vector<std::string> argv = {no_userns, user.safe_run()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(user.as_user(argv), user.env());
}

}  // namespace

TEST_CASE("isolation required exits 125 saying what is missing where user namespaces are refused",
          "[e2e][isolation]") {
  UnprivilegedUser user;
  auto flag = user.home() + "/ran";
  auto result = without_userns(user, {"--isolation=required", "--dry-run", "--", "/usr/bin/touch", flag});
  CHECK(result.status == 125);
  CHECK(contains(result.err, "--isolation=required, but the jail cannot be set up: creating the user, PID and "
                             "mount namespaces: Operation not permitted"));
  CHECK_FALSE(std::filesystem::exists(flag));  // nothing was started
}

TEST_CASE("isolation auto runs the command and warns where user namespaces are refused", "[e2e][isolation]") {
  UnprivilegedUser user;
  auto result = without_userns(user, {"--dry-run", "--", "/bin/sh", "-c", "echo ran; exit 4"});
  CHECK(result.status == 4);
  CHECK(contains(result.out, "ran"));
  CHECK(contains(result.err, "warning: isolation unavailable: creating the user, PID and mount namespaces"));
  CHECK(contains(result.err, "it can see your other processes"));
}

TEST_CASE("isolation off runs the command without a word about isolation", "[e2e][isolation]") {
  UnprivilegedUser user;
  auto result = without_userns(user, {"--isolation=off", "--dry-run", "--", "/bin/true"});
  CHECK(result.status == 0);
  CHECK_FALSE(contains(result.err, "isolation"));
}

TEST_CASE("the config's isolation.mode applies unless --isolation overrides it", "[e2e][isolation]") {
  UnprivilegedUser user;
  auto config = write_config(user, "required.json", R"(, "isolation": {"mode": "required"})");
  CHECK(without_userns(user, {"--config", config, "--", "/bin/true"}).status == 125);
  CHECK(without_userns(user, {"--config", config, "--isolation=auto", "--", "/bin/true"}).status == 0);
}

TEST_CASE("an isolated session's processes see only the namespace", "[e2e][isolation]") {
  UnprivilegedUser user;
  auto result = run_process(user.as_user({user.safe_run(), "--dry-run", "-q", "--", "/bin/sh", "-c",
                                          "echo pid:$$; cat /proc/1/comm; id -u"}),
                            user.env());
  CHECK(result.status == 0);
  CHECK(contains(result.out, "pid:2\n"));          // the init is 1, the command 2
  CHECK(contains(result.out, "safe-run\n"));       // our init, not the agent, is PID 1
  CHECK(contains(result.out, ::geteuid() == 0 ? "65534\n" : std::to_string(::geteuid()) + "\n"));
}

TEST_CASE("a malformed isolation config exits 125 naming the field", "[e2e][isolation]") {
  UnprivilegedUser user;
  const std::pair<std::string, std::string> cases[] = {
      {R"(, "isolation": {"mode": "sometimes"})", "isolation.mode: expected \"off\", \"auto\" or \"required\""},
      {R"(, "isolation": {"hide": ["relative/path"]})", "isolation.hide[0]: expected an absolute path"},
      {R"(, "isolation": {"read_only": "~/x"})", "isolation.read_only: expected an array of strings"},
      {R"(, "isolation": {"hidden": []})", "isolation.hidden: unknown key"},
  };
  for (const auto& [extra, message] : cases) {
    INFO(extra);
    auto config = write_config(user, "bad.json", extra);
    auto result = run_process(user.as_user({user.safe_run(), "--config", config, "--", "/bin/true"}), user.env());
    CHECK(result.status == 125);
    CHECK(contains(result.err, config + ": " + message));
  }
  auto result = run_process(user.as_user({user.safe_run(), "--isolation=maybe", "--", "/bin/true"}), user.env());
  CHECK(result.status == 125);
  CHECK(contains(result.err, "--isolation: expected off, auto or required"));
}

TEST_CASE("a non-default upstream is named at start with where it was set", "[e2e][isolation]") {
  UnprivilegedUser user;
  auto key = fake_key("sk-ant-notice-");
  auto from_env = run_process(user.as_user({user.safe_run(), "--", "/bin/true"}),
                              user.env({"ANTHROPIC_API_KEY=" + key, "ANTHROPIC_BASE_URL=http://127.0.0.1:9/proxy"}));
  CHECK(contains(from_env.err, "route 'anthropic' sends its key to http://127.0.0.1:9/proxy (set by $ANTHROPIC_BASE_URL)"));
  auto plain = run_process(user.as_user({user.safe_run(), "--", "/bin/true"}), user.env({"ANTHROPIC_API_KEY=" + key}));
  CHECK_FALSE(contains(plain.err, "sends its key"));
  CHECK_FALSE(contains(from_env.out + from_env.err + plain.out + plain.err, key));
}

TEST_CASE("a nested bubblewrap sandbox works inside an isolated session", "[e2e][isolation]") {
  // Claude Code's own sandbox is bubblewrap: the jail must leave nested namespaces possible.
  REQUIRE(std::filesystem::exists("/usr/bin/bwrap"));  // dev.sh installs bubblewrap
  UnprivilegedUser user;
  auto result = run_process(user.as_user({user.safe_run(), "--isolation=required", "--dry-run", "-q", "--", "/usr/bin/bwrap",
                                          "--unshare-all", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
                                          "/bin/sh", "-c", "echo nested:$$"}),
                            user.env());
  INFO(result.err);
  CHECK(result.status == 0);
  CHECK(contains(result.out, "nested:2\n"));  // bubblewrap's own PID namespace, inside ours
}
