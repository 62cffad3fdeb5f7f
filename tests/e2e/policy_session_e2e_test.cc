// Session-wide policy through the built binary: --ttl, the persistent --audit-log (and the
// files an attacker plants in its place), and bad policy values refused before anything starts.

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "tests/e2e/policy_session.h"

using namespace saferun::test;
using nlohmann::json;

namespace {

ProcessResult run_dry(std::vector<std::string> options, const std::string& script = "exit 0") {
  TempDir runtime;
  options.insert(options.end(), {"--dry-run", "--", "/bin/sh", "-c", script});
  return run_process(safe_run_argv(options), base_env({"XDG_RUNTIME_DIR=" + runtime.path()}));
}

}  // namespace

TEST_CASE("after --ttl the token answers 401 and safe-run ends the session with 124", "[e2e][policy][ttl]") {
  TempDir runtime;
  TempDir files;
  auto summary_path = files.path() + "/summary.json";
  // The child ignores SIGINT, so the session outlives the TTL by the grace period: long enough
  // to see the token refused.
  Process process(safe_run_argv({"--dry-run", "--ttl", "1", "--grace", "3", "--summary-json", summary_path, "--",
                                 "/bin/sh", "-c",
                                 "trap '' INT; printf 'READY %s %s\\n' \"$SAFE_RUN_BROKER_URL\" \"$SAFE_RUN_TOKEN\"; "
                                 "sleep 20"}),
                  base_env({"XDG_RUNTIME_DIR=" + runtime.path()}));
  REQUIRE(process.wait_for_stdout("\n", std::chrono::seconds(20)));
  std::istringstream ready(process.out().substr(process.out().find("READY")));
  std::string word, url, token;
  ready >> word >> url >> token;
  auto port = static_cast<std::uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)));
  Headers headers = {{"x-api-key", token}};
  CHECK(http_request(port, "POST", "/anthropic/v1/messages", headers, "{}").status == 200);
  HttpResponse expired;
  for (int i = 0; i < 60; ++i) {  // the TTL is 1 s: bounded wait for it to pass
    expired = http_request(port, "POST", "/anthropic/v1/messages", headers, "{}");
    if (expired.status != 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(expired.status == 401);
  CHECK(expired.header("x-should-retry") == "false");
  CHECK(contains(expired.body, "expired"));
  auto result = process.finish(std::chrono::seconds(20));
  CHECK(result.status == 124);
  CHECK(contains(result.err, "--ttl"));
  auto summary = json::parse(read_file(summary_path));
  CHECK(summary["ended_by"] == "ttl");
  CHECK(summary["exit_status"] == 124);
}

TEST_CASE("a child that exits before its --ttl keeps its own status", "[e2e][policy][ttl]") {
  CHECK(run_dry({"--ttl", "1h"}, "exit 7").status == 7);
}

TEST_CASE("the persistent audit log appends every session's records, with model, tokens, cost and decision, mode 0600",
          "[e2e][policy][audit]") {
  TempDir dir;
  auto trail = dir.path() + "/audit.jsonl";
  for (int round = 0; round < 2; ++round) {
    PolicySession policy(policy_options("{}", R"({"models":["claude-test"]})", "{}", {"--audit-log", trail}));
    REQUIRE(policy.session->ready());
    CHECK(policy.message(R"({"model":"claude-test","max_tokens":10,"messages":[]})", {{"x-fake-usage", "8,3"}})
              .status == 200);
    CHECK(policy.message(R"({"model":"claude-other","max_tokens":10,"messages":[]})").status == 403);
    policy.session->end();
  }
  struct stat st {};
  REQUIRE(::stat(trail.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto lines = json_lines(trail);
  REQUIRE(lines.size() == 4);
  CHECK(lines[0]["session"] != lines[2]["session"]);
  CHECK(lines[0]["model"] == "claude-test");
  CHECK(lines[0]["decision"] == "allowed");
  CHECK(lines[0]["input_tokens"] == 8);
  CHECK(lines[0]["output_tokens"] == 3);
  CHECK(lines[0]["cost_micro_usd"] == 11);
  CHECK(lines[1]["decision"] == "denied_model");
  CHECK(lines[1]["status"] == 403);
}

TEST_CASE("an agent that plants a symlink at the audit log path cannot make the next session write through it",
          "[e2e][policy][audit][attack]") {
  // Everything runs unprivileged (as uid 65534 through setpriv when the tests run as root), as
  // the agent and the user it shares a uid with would: the agent plants the link from inside a
  // session; the user's next session is pointed at the path.
  TempDir base;
  ::chmod(base.path().c_str(), 0755);
  auto bin = base.path() + "/bin";
  std::filesystem::create_directory(bin);
  auto safe_run = bin + "/safe-run";
  std::filesystem::copy(safe_run_binary(), safe_run);
  auto home = base.path() + "/home";
  std::filesystem::create_directory(home);
  auto victim = home + "/.bashrc";
  { std::ofstream(victim) << "original\n"; }
  auto trail = home + "/audit.jsonl";
  std::vector<std::string> as_user;
  if (::geteuid() == 0) {
    for (const auto& path : {home, victim}) REQUIRE(::chown(path.c_str(), 65534, 65534) == 0);
    as_user = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"};
  }
  auto run_as_user = [&](std::vector<std::string> argv) {
    argv.insert(argv.begin(), as_user.begin(), as_user.end());
    return run_process(argv, {"PATH=/usr/bin:/bin", "HOME=" + home, "XDG_RUNTIME_DIR=" + home, "LANG=C.UTF-8"});
  };
  auto planted = run_as_user({safe_run, "--dry-run", "--", "/bin/sh", "-c", "ln -s '" + victim + "' '" + trail + "'"});
  REQUIRE(planted.status == 0);
  auto next = run_as_user({safe_run, "--dry-run", "--audit-log", trail, "--", "/bin/true"});
  CHECK(next.status == 125);
  CHECK(contains(next.err, trail));
  CHECK(read_file(victim) == "original\n");
  // Negative control: an ordinary append to the same path writes into the victim.
  CHECK(run_as_user({"/bin/sh", "-c", "echo appended >> '" + trail + "'"}).status == 0);
  CHECK(read_file(victim) == "original\nappended\n");
}

TEST_CASE("an audit log path that is a FIFO, a hard link or open to others is refused without hanging",
          "[e2e][policy][audit][attack]") {
  TempDir dir;
  auto fifo = dir.path() + "/fifo.jsonl";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  auto from_fifo = run_dry({"--audit-log", fifo});
  CHECK(from_fifo.status == 125);
  CHECK(contains(from_fifo.err, fifo));  // ENXIO (no reader) or "not a regular file": never a blocked open
  auto victim = dir.write("victim", "x\n", 0600);
  auto hard = dir.path() + "/hard.jsonl";
  REQUIRE(::link(victim.c_str(), hard.c_str()) == 0);
  CHECK(run_dry({"--audit-log", hard}).status == 125);
  CHECK(read_file(victim) == "x\n");
  auto open_file = dir.write("open.jsonl", "", 0644);
  auto open_result = run_dry({"--audit-log", open_file});
  CHECK(open_result.status == 125);
  CHECK(contains(open_result.err, "mode 0600"));
}

TEST_CASE("bad policy values exit 125 naming the JSON path or the option", "[e2e][policy][config]") {
  TempDir dir;
  auto config = dir.write("bad.json", R"({"routes":[{"name":"a","upstream":"https://api.anthropic.com",
      "credential":"x-api-key: {secret}","allow":["POST /v1/messages"],"policy":{"tokens_per_minute":-3}}]})");
  auto bad_config = run_dry({"--config", config});
  CHECK(bad_config.status == 125);
  CHECK(contains(bad_config.err, "routes[0].policy.tokens_per_minute: expected a positive integer"));
  auto bad_budget = run_dry({"--budget-usd", "lots"});
  CHECK(bad_budget.status == 125);
  CHECK(contains(bad_budget.err, "--budget-usd"));
  auto bad_ttl = run_dry({"--ttl", "soon"});
  CHECK(bad_ttl.status == 125);
  CHECK(contains(bad_ttl.err, "--ttl"));
}
