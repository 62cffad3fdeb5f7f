// The child's environment is built from empty: exactly the allowlist plus safe-run's own
// variables; no variable that held a secret, and only fds 0, 1 and 2.

#include <algorithm>
#include <catch2/catch.hpp>
#include <set>
#include <sstream>
#include <unistd.h>

#include "tests/e2e/safe_run.h"

using namespace saferun::test;

namespace {

std::set<std::string> names_in(const std::string& env_output) {
  std::set<std::string> names;
  std::istringstream lines(env_output);
  std::string line;
  while (std::getline(lines, line)) names.insert(line.substr(0, line.find('=')));
  return names;
}

}  // namespace

TEST_CASE("the child sees exactly the allowlisted variables and safe-run's own", "[e2e][env]") {
  TempDir runtime;
  auto key = fake_key();
  auto openai_key = fake_key("sk-proj-");
  auto result = run_process(
      safe_run_argv({"--", "/usr/bin/env"}),
      base_env({"ANTHROPIC_API_KEY=" + key, "OPENAI_API_KEY=" + openai_key, "TERM=xterm", "EDITOR=vim",
                "MY_SERVICE_TOKEN=" + key, "XDG_RUNTIME_DIR=" + runtime.path(), "LC_ALL=C.UTF-8",
                "HTTPS_PROXY=http://proxy.invalid:3128"}));
  REQUIRE(result.status == 0);
  std::set<std::string> expected = {"PATH", "LANG", "HOME", "TERM", "LC_ALL", "NO_PROXY", "no_proxy",
                                    "ANTHROPIC_BASE_URL", "ANTHROPIC_API_KEY", "OPENAI_BASE_URL",
                                    "OPENAI_API_KEY", "SAFE_RUN_BROKER_URL", "SAFE_RUN_TOKEN", "SAFE_RUN_SESSION"};
  CHECK(names_in(result.out) == expected);
  CHECK_FALSE(contains(result.out, key));
  CHECK_FALSE(contains(result.out, openai_key));
  CHECK_FALSE(contains(result.err, key));
  CHECK_FALSE(contains(result.err, openai_key));
  CHECK(contains(result.out, "ANTHROPIC_BASE_URL=http://127.0.0.1:"));
  CHECK(contains(result.out, "OPENAI_BASE_URL=http://127.0.0.1:"));
  CHECK(contains(result.out, "/openai/v1\n"));
  CHECK(contains(result.out, "NO_PROXY=127.0.0.1,localhost\n"));
}

TEST_CASE("the child's API key variables hold the session token", "[e2e][env]") {
  TempDir runtime;
  auto result = run_process(
      safe_run_argv({"--dry-run", "--", "/bin/sh", "-c",
                     "test \"$ANTHROPIC_API_KEY\" = \"$SAFE_RUN_TOKEN\" && test \"$OPENAI_API_KEY\" = \"$SAFE_RUN_TOKEN\" "
                     "&& case \"$SAFE_RUN_TOKEN\" in srt_*) exit 0;; esac; exit 1"}),
      base_env({"XDG_RUNTIME_DIR=" + runtime.path()}));
  CHECK(result.status == 0);
}

TEST_CASE("a route whose secret is absent is not enabled, with one notice", "[e2e][env]") {
  TempDir runtime;
  auto result = run_process(safe_run_argv({"--", "/usr/bin/env"}),
                            base_env({"ANTHROPIC_API_KEY=" + fake_key(), "XDG_RUNTIME_DIR=" + runtime.path()}));
  REQUIRE(result.status == 0);
  CHECK(contains(result.out, "ANTHROPIC_BASE_URL="));
  CHECK_FALSE(contains(result.out, "OPENAI_BASE_URL="));
  CHECK(contains(result.err, "route 'openai' not enabled: $OPENAI_API_KEY is not set"));
}

TEST_CASE("pass-env passes a named variable and credential-like ones only by name", "[e2e][env]") {
  TempDir runtime;
  auto result = run_process(
      safe_run_argv({"--dry-run", "--pass-env", "EDITOR", "--pass-env", "GH_*", "--pass-env", "DEPLOY_TOKEN", "--",
                     "/usr/bin/env"}),
      base_env({"EDITOR=vim", "GH_HOST=github.com", "GH_TOKEN=ghp_x", "DEPLOY_TOKEN=dt_x",
                "XDG_RUNTIME_DIR=" + runtime.path()}));
  REQUIRE(result.status == 0);
  CHECK(contains(result.out, "EDITOR=vim\n"));
  CHECK(contains(result.out, "GH_HOST=github.com\n"));
  CHECK_FALSE(contains(result.out, "GH_TOKEN"));
  CHECK(contains(result.out, "DEPLOY_TOKEN=dt_x\n"));
  CHECK(contains(result.err, "not passing GH_TOKEN"));
  CHECK(contains(result.err, "passing credential-like variable DEPLOY_TOKEN"));
}

TEST_CASE("for claude the token is in ANTHROPIC_AUTH_TOKEN and ANTHROPIC_API_KEY is absent", "[e2e][env]") {
  TempDir dir;
  auto claude = dir.write("claude", "#!/bin/sh\nexec /usr/bin/env\n", 0755);
  auto result = run_process(safe_run_argv({"--dry-run", "claude"}),
                            base_env({"PATH=" + dir.path() + ":/usr/bin:/bin", "XDG_RUNTIME_DIR=" + dir.path()}));
  REQUIRE(result.status == 0);
  CHECK(contains(result.out, "ANTHROPIC_AUTH_TOKEN=srt_"));
  CHECK_FALSE(contains(result.out, "ANTHROPIC_API_KEY="));
}

TEST_CASE("the child holds only fds 0, 1 and 2", "[e2e][env]") {
  TempDir runtime;
  // ls lists its own fds: 0, 1, 2 and the directory it opened, which is 3 only when no other
  // fd was inherited.
  auto result = run_process(safe_run_argv({"--dry-run", "--", "/bin/sh", "-c", "exec ls /proc/self/fd"}),
                            base_env({"XDG_RUNTIME_DIR=" + runtime.path()}));
  REQUIRE(result.status == 0);
  CHECK(result.out == "0\n1\n2\n3\n");
}

TEST_CASE("the secret is gone from safe-run's own /proc environ", "[e2e][env]") {
  auto key = fake_key();
  LiveSession session({}, base_env({"ANTHROPIC_API_KEY=" + key}));
  REQUIRE(session.ready());
  auto environ_text = read_file("/proc/" + std::to_string(session.process().pid()) + "/environ");
  // Root reads it despite PR_SET_DUMPABLE=0 and must find the value scrubbed; anyone else
  // must not be able to read it at all.
  CHECK(environ_text.empty() == (::geteuid() != 0));
  CHECK_FALSE(contains(environ_text, key));
  auto result = session.end();
  CHECK(result.status == 0);
  CHECK_FALSE(contains(result.out + result.err, key));
}
