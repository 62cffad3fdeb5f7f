// Smuggling through heads the size real agents send. A head of a few hundred bytes in the plain
// form is scanned (broker/plain_head.h) rather than parsed field by field by Beast; its framing
// fields are still Beast's to judge, copied into a short framing head. If the scan let one of
// them go, a body could be read as no body and its bytes become a second request on the same
// connection — one the allow rules and the policy never saw.
//
// The attack is the agent's: the session's child, running as the session's own unprivileged
// user (CI is root: the session runs as uid 65534 through setpriv), writes raw requests to the
// broker, each with Claude Code's fields so that the head is scanned. The control in the same
// session sends the same head with one honest Content-Length and is answered.

#include <catch2/catch.hpp>
#include <string>

#include "tests/e2e/safe_run.h"
#include "tests/e2e/unprivileged_user.h"
#include "tests/support/fake_upstream.h"

using namespace saferun::test;

namespace {

// A shell step: sends `request` (printf format; each of its `tokens` %s is the caller token) to
// the broker on a connection of its own, in one write (so the head arrives whole, as an agent's
// does, and is scanned), and prints "<label> <the answer's status line>".
std::string exchange(const std::string& label, const std::string& request, int tokens) {
  std::string arguments;
  for (int i = 0; i < tokens; ++i) arguments += " \"$SAFE_RUN_TOKEN\"";
  return "exec 3<>/dev/tcp/127.0.0.1/\"${SAFE_RUN_BROKER_URL##*:}\"; request=$(printf '" + request + "'" + arguments +
         "); printf '%s' \"$request\" >&3; IFS= read -r -t 10 line <&3; printf '" + label +
         " %s\\n' \"${line%$'\\r'}\"; exec 3<&-; ";
}

// `request_line`, Claude Code's fields (bench/claude_request_head.txt, shortened), `framing`.
std::string claude_head(const std::string& request_line, const std::string& framing) {
  return request_line + "\\r\\nHost: broker\\r\\nx-api-key: %s\\r\\n"
         "User-Agent: claude-cli/2.1.332 (external, sdk-cli)\\r\\n"
         "X-Claude-Code-Session-Id: 5b0e8f6a-2c47-4d19-9a3e-7f1c2d8e4b60\\r\\nX-Stainless-Lang: js\\r\\n"
         "X-Stainless-Package-Version: 0.128.0\\r\\nX-Stainless-Runtime: node\\r\\n"
         "anthropic-beta: claude-code-20250219,interleaved-thinking-2025-05-14\\r\\n"
         "anthropic-version: 2023-06-01\\r\\ncontent-type: application/json\\r\\n" +
         framing + "\\r\\n";
}

// A whole second request the allow rules pass, as a body would carry it. The first request is a
// GET, which a broker that let its framing fields go would forward without a body; this one
// would follow it on the connection to the upstream.
const std::string kSmuggled =
    "POST /anthropic/v1/messages HTTP/1.1\\r\\nHost: broker\\r\\nx-api-key: %s\\r\\n"
    "content-type: application/json\\r\\nContent-Length: 14\\r\\n\\r\\n{\"smuggled\":1}";

}  // namespace

TEST_CASE("a real-sized head cannot smuggle a second request past its framing fields",
          "[e2e][robustness][framing][attack]") {
  UnprivilegedUser user;
  FakeUpstream upstream;
  const auto config = user.make_file(
      "config.json", R"({"routes": [{"name": "anthropic", "provider": "anthropic",
        "upstream": ")" + upstream.origin() + R"(/anthropic", "credential": "x-api-key: {secret}",
        "secret": {"env": "ANTHROPIC_API_KEY"}, "allow": ["GET /v1/models", "POST /v1/messages"]}]})");
  const auto key = fake_key("sk-ant-plain-head-");

  const std::string get = "GET /anthropic/v1/models HTTP/1.1";
  // A refused request's connection is closed with the smuggled bytes unread: a write still
  // under way then draws SIGPIPE, which is not to end the script.
  const std::string attack =
      "trap '' PIPE; " +
      exchange("LENGTH-AND-CHUNKED",
               claude_head(get, "Content-Length: 0\\r\\nTransfer-Encoding: chunked\\r\\n") + kSmuggled, 2) +
      exchange("TWO-LENGTHS", claude_head(get, "Content-Length: 0\\r\\nContent-Length: 170\\r\\n") + kSmuggled, 2) +
      exchange("CHUNKED-NOT-LAST", claude_head(get, "Transfer-Encoding: chunked, gzip\\r\\n") + kSmuggled, 2) +
      exchange("CONTROL", claude_head("POST /anthropic/v1/messages HTTP/1.1", "Content-Length: 2\\r\\n") + "{}", 1);
  auto result = run_process(user.as_user({user.safe_run(), "--isolation=off", "--config", config, "--", "/bin/bash",
                                          "-c", attack}),
                            user.env({"ANTHROPIC_API_KEY=" + key}), std::chrono::seconds(60));
  INFO(with_key_hidden(result.out + result.err, key));  // should it have leaked, no failure message shows it
  REQUIRE(result.status == 0);
  CHECK(contains(result.out, "LENGTH-AND-CHUNKED HTTP/1.1 400"));
  CHECK(contains(result.out, "TWO-LENGTHS HTTP/1.1 400"));
  CHECK(contains(result.out, "CHUNKED-NOT-LAST HTTP/1.1 400"));
  CHECK(contains(result.out, "CONTROL HTTP/1.1 200"));  // the same head, framed honestly, is served
  CHECK_FALSE(upstream.received_bytes("smuggled"));
  CHECK(upstream.requests().size() == 1);  // the control's alone
}
