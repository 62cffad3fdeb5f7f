// The early /proc/<pid>/mem window: the kernel checks the right to read a process's memory
// when the file is opened, and PR_SET_DUMPABLE=0 comes only once main() runs. A process of
// the same user that opens the next session's mem file in the moment after execve (here: as
// its tracer, stopped at the execve, the most precise an attacker can be) keeps reading it for
// the session's life. The installed binary is execute-only (cmake --install), which makes the
// kernel mark the process non-dumpable at execve itself; a readable build-tree copy does not.

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "tests/e2e/safe_run.h"
#include "tests/e2e/unprivileged_user.h"
#include "tests/support/fake_upstream.h"

using namespace saferun::test;

namespace {

struct EarlyRead {
  ProcessResult result;
  std::string loot;
};

EarlyRead read_early(const UnprivilegedUser& user, const std::string& safe_run, const std::string& key) {
  FakeUpstream upstream;
  auto config = user.base() + "/config.json";
  std::ofstream(config) << R"({"routes": [{"name": "anthropic", "provider": "anthropic", "upstream": ")" +
                               upstream.origin() + R"(", "credential": "x-api-key: {secret}",
    "secret": {"env": "ANTHROPIC_API_KEY"}, "allow": ["POST /v1/messages"]}]})";
  ::chmod(config.c_str(), 0644);
  auto loot = user.home() + "/loot";
  auto flag = user.home() + "/session-live";
  std::filesystem::remove(loot);
  std::filesystem::remove(flag);
  auto result = run_process(user.as_user({user.attacker(), "early-mem", loot, flag, "--", safe_run, "--config", config,
                                          "--", "/bin/sh", "-c", "touch " + flag + "; sleep 1"}),
                            user.env({"ANTHROPIC_API_KEY=" + key}));
  return {result, read_file(loot)};
}

}  // namespace

TEST_CASE("an execute-only install leaves no early window onto safe-run's memory", "[e2e][isolation]") {
  UnprivilegedUser user;
  auto key = fake_key("sk-ant-early-");
  auto readable = read_early(user, user.safe_run(), key);  // mode 0755, as in a build tree
  INFO(readable.result.out << readable.result.err);
  CHECK(contains(readable.result.out, "attack early-open: done"));
  CHECK(contains(readable.result.out, "attack early-mem: obtained"));
  CHECK(contains(readable.loot, key));  // the negative control: the key is read from the session

  auto installed = user.install_copy(safe_run_binary(), "safe-run-installed", 0111);
  auto execute_only = read_early(user, installed, key);
  INFO(execute_only.result.out << execute_only.result.err);
  CHECK(execute_only.result.status == 0);
  CHECK(contains(execute_only.result.out, "attack early-open: blocked Permission denied"));
  CHECK_FALSE(contains(execute_only.loot, key));
  CHECK_FALSE(contains(execute_only.result.out + execute_only.result.err, key));
}
