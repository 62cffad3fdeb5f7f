// Claude Code's interactive TUI (tests/claude/package-lock.json; `npm ci --prefix tests/claude`,
// which ./dev.sh test runs) through an isolated session of an unprivileged user, on a real
// pseudo-terminal: it starts, takes a prompt typed at the keyboard, and shows the fake
// upstream's answer, which the upstream produced for a request carrying the real key.

#include <signal.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <thread>

#include "tests/e2e/safe_run.h"
#include "tests/e2e/unprivileged_user.h"
#include "tests/support/fake_upstream.h"
#include "tests/support/pty_process.h"

using namespace saferun::test;

TEST_CASE("Claude Code's TUI works through an isolated session", "[e2e][isolation]") {
  const std::string claude = std::string(SAFE_RUN_SOURCE_DIR) + "/tests/claude/node_modules/.bin";
  REQUIRE(std::filesystem::exists(claude + "/claude"));  // npm ci --prefix tests/claude
  UnprivilegedUser user;
  FakeUpstream upstream;
  auto key = fake_key("sk-ant-tui-");
  auto project = user.make_dir("project");
  // A user who has been through Claude Code's first-run screens and trusts the project.
  user.make_file(".claude.json", R"({"hasCompletedOnboarding": true, "theme": "dark", "projects": {")" + project +
                                     R"(": {"hasTrustDialogAccepted": true}}})");
  auto env = user.env({"PATH=" + claude + ":/usr/bin:/bin", "TERM=xterm-256color", "ANTHROPIC_API_KEY=" + key,
                       "ANTHROPIC_BASE_URL=" + upstream.origin() + "/anthropic",
                       "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1"});
  PtyProcess tui(user.as_user({"/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", project, user.safe_run(),
                               "--isolation=required", "--pass-env", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "--",
                               "claude"}),
                 env, 30, 100);
  REQUIRE(tui.wait_for("Claude Code", std::chrono::seconds(30)));
  std::this_thread::sleep_for(std::chrono::seconds(2));  // the prompt box takes keys once drawn
  tui.type("say hello");
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  auto mark = tui.output().size();
  tui.type("\r");
  CHECK(tui.wait_for("fake", std::chrono::seconds(30), mark));  // "Hello from fake", drawn word by word
  ::kill(tui.pid(), SIGTERM);
  auto result = tui.finish();
  CHECK_FALSE(contains(result.out, key));
  bool real_key_upstream = false;
  for (const auto& request : upstream.requests())
    real_key_upstream = real_key_upstream || same_secret(request.header("x-api-key"), key);
  CHECK(real_key_upstream);
}
