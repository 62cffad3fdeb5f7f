// The Codex CLI's interactive TUI (tests/agents/package-lock.json; `npm ci --prefix
// tests/agents`, which ./dev.sh test runs) through safe-run with no config, on a real
// pseudo-terminal, against the TLS WebSocket fake: a prompt typed at the keyboard is answered
// over the broker's WebSocket relay (no HTTP fallback), and the key is nowhere the agent can
// reach — its environment, the files under its home, what it drew on the terminal.

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/e2e/safe_run.h"
#include "tests/support/fake_ws_upstream.h"
#include "tests/support/pty_process.h"

using namespace saferun::test;
namespace fs = std::filesystem;

namespace {

// Every process below `root`, from /proc (whatever PID namespace they run in).
std::vector<pid_t> descendants_of(pid_t root) {
  std::vector<std::pair<pid_t, pid_t>> parents;  // {pid, ppid}
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const auto name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string text((std::istreambuf_iterator<char>(stat)), {});
    auto close = text.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(text.substr(close + 2));
    char state;
    pid_t ppid;
    if (rest >> state >> ppid) parents.emplace_back(std::stoi(name), ppid);
  }
  std::vector<pid_t> found = {root};
  for (std::size_t i = 0; i < found.size(); ++i)
    for (const auto& [pid, ppid] : parents)
      if (ppid == found[i]) found.push_back(pid);
  found.erase(found.begin());
  return found;
}

// The environments of the processes below `root`, NUL-separated as in /proc.
std::vector<std::string> environments_below(pid_t root) {
  std::vector<std::string> environments;
  for (pid_t pid : descendants_of(root)) environments.push_back(read_file("/proc/" + std::to_string(pid) + "/environ"));
  return environments;
}

bool any_file_holds(const std::string& dir, const std::string& needle) {
  for (const auto& entry : fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied))
    if (entry.is_regular_file() && contains(read_file(entry.path()), needle)) return true;
  return false;
}

}  // namespace

TEST_CASE("the Codex TUI answers a typed prompt over the WebSocket relay with no config", "[e2e][agents]") {
  const std::string bin = std::string(SAFE_RUN_SOURCE_DIR) + "/tests/agents/node_modules/.bin";
  REQUIRE(fs::exists(bin + "/codex"));  // npm ci --prefix tests/agents
  TempDir files, home, runtime;
  auto certificates = make_test_certificates(files.path());
  FakeWsUpstream upstream(certificates);
  auto key = fake_key("sk-proj-tui-");
  const std::string audit = files.path() + "/audit.jsonl";
  std::vector<std::string> env = {"PATH=" + bin + ":/usr/bin:/bin", "HOME=" + home.path(), "LANG=C.UTF-8",
                                  "TERM=xterm-256color", "XDG_RUNTIME_DIR=" + runtime.path(),
                                  "SSL_CERT_FILE=" + certificates.ca_file,
                                  // Calls to anywhere but the broker (NO_PROXY) go nowhere.
                                  "HTTPS_PROXY=http://127.0.0.1:9", "HTTP_PROXY=http://127.0.0.1:9",
                                  "OPENAI_API_KEY=" + key, "OPENAI_BASE_URL=" + upstream.origin() + "/v1"};
  auto argv = safe_run_argv({"--audit-log", audit, "--", "codex"});
  argv.insert(argv.begin(), {"/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", home.path()});
  PtyProcess tui(argv, env, 30, 100);
  REQUIRE(tui.wait_for("OpenAI Codex", std::chrono::seconds(30)));
  std::this_thread::sleep_for(std::chrono::seconds(2));  // the composer takes keys once drawn
  tui.type("Say hello");
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  auto mark = tui.output().size();
  tui.type("\r");
  CHECK(tui.wait_for("fake", std::chrono::seconds(30), mark));  // "Hello from fake"

  auto environments = environments_below(tui.pid());
  bool token_in_child = false;
  for (const auto& environment : environments) {
    CHECK_FALSE(contains(environment, key));
    token_in_child = token_in_child || contains(environment, "OPENAI_API_KEY=srt_");
  }
  CHECK(token_in_child);

  tui.type("/quit");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  tui.type("\r");
  auto result = tui.finish(std::chrono::seconds(20));
  CHECK(result.status == 0);
  CHECK_FALSE(contains(result.out, key));
  CHECK_FALSE(any_file_holds(home.path(), key));
  CHECK_FALSE(any_file_holds(home.path(), "srt_"));  // no shell snapshot holds the token

  auto records = read_file(audit);
  CHECK(contains(records, R"("method":"WS","path":"/openai/v1/responses")"));
  CHECK(contains(records, R"("message_type":"response.create")"));
  CHECK_FALSE(contains(records, R"("method":"POST")"));  // no fallback to HTTP
  auto handshakes = upstream.handshakes();
  REQUIRE_FALSE(handshakes.empty());
  for (const auto& handshake : handshakes) {
    CHECK(same_secret(handshake.header("authorization"), "Bearer " + key));
    CHECK_FALSE(contains(handshake.header("authorization"), "srt_"));
  }
}
