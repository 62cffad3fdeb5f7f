// A session with a shared Redis store ("store" in the config): checked before the child
// starts (wrong password or unreachable -> 125 naming the store, nothing started), its
// password held like a provider key, every audit record mirrored to the fleet's stream.

#include <signal.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/e2e/proxy_session.h"
#include "tests/support/redis_server.h"

using namespace saferun::test;

namespace {

// The proxy config of the other e2e tests plus a "store" object.
std::string config_with_store(const TempDir& dir, const std::string& upstream_origin, const std::string& store) {
  auto text = read_file(ProxySession::write_config(dir, upstream_origin, "{}"));
  text.insert(text.rfind('}'), ", \"store\": " + store);
  return dir.write("fleet-config.json", text);
}

std::string store_json(const std::string& url, const std::string& extra = "") {
  return R"({"url": ")" + url + R"(", "secret": {"env": "SAFE_RUN_STORE_PASSWORD"}, "timeout_ms": 1000)" + extra + "}";
}

}  // namespace

TEST_CASE("a wrong store password exits 125 naming the store, and starts nothing", "[e2e][fleet]") {
  RedisServer redis({"the-right-store-password", false});
  TempDir dir;
  auto config = config_with_store(dir, "https://127.0.0.1:9", store_json(redis.url()));
  auto marker = dir.path() + "/child-ran";
  auto result = run_process(safe_run_argv({"--config", config, "--", "/bin/sh", "-c", "touch " + marker}),
                            base_env({"ANTHROPIC_API_KEY=" + fake_key(), "SAFE_RUN_STORE_PASSWORD=wrong-store-pw-31337",
                                      "XDG_RUNTIME_DIR=" + dir.path()}));
  CHECK(result.status == 125);
  CHECK(contains(result.err, "store " + redis.url() + ":"));
  CHECK(contains(result.err, "WRONGPASS"));
  CHECK_FALSE(contains(result.out + result.err, "wrong-store-pw-31337"));
  CHECK(read_file(marker).empty());
  CHECK(::access(marker.c_str(), F_OK) != 0);
}

TEST_CASE("an unreachable store exits 125 unless the config falls back to local limits", "[e2e][fleet]") {
  TempDir dir;
  auto url = "redis://127.0.0.1:" + std::to_string(free_tcp_port()) + "/0";
  auto env = base_env({"ANTHROPIC_API_KEY=" + fake_key(), "SAFE_RUN_STORE_PASSWORD=pw", "XDG_RUNTIME_DIR=" + dir.path()});
  auto closed = config_with_store(dir, "https://127.0.0.1:9", store_json(url));
  auto refused = run_process(safe_run_argv({"--config", closed, "--", "/bin/true"}), env);
  CHECK(refused.status == 125);
  CHECK(contains(refused.err, "store " + url + ": cannot connect"));

  auto local = config_with_store(dir, "https://127.0.0.1:9", store_json(url, R"(, "on_unavailable": "local")"));
  auto fallback = run_process(safe_run_argv({"--config", local, "--", "/bin/sh", "-c", "exit 7"}), env);
  CHECK(fallback.status == 7);
  CHECK(contains(fallback.err, "on_unavailable: local"));
}

TEST_CASE("the store password never reaches the child", "[e2e][fleet][secrets]") {
  RedisServer redis({"store-password-for-env-test", false});
  TempDir dir;
  auto config = config_with_store(dir, "https://127.0.0.1:9", store_json(redis.url()));
  auto result = run_process(
      safe_run_argv({"--config", config, "--", "/bin/sh", "-c", "env; echo ---; cat /proc/$PPID/environ 2>/dev/null"}),
      base_env({"ANTHROPIC_API_KEY=" + fake_key(), "SAFE_RUN_STORE_PASSWORD=store-password-for-env-test",
                "XDG_RUNTIME_DIR=" + dir.path()}));
  CHECK(result.status == 0);
  CHECK_FALSE(contains(result.out + result.err, "store-password-for-env-test"));
  // Not even its name in the child's environment (safe-run's own keeps the name, value wiped).
  CHECK_FALSE(contains(result.out.substr(0, result.out.find("---")), "SAFE_RUN_STORE_PASSWORD"));
}

TEST_CASE("every audit record of a session reaches the fleet's stream over rediss://", "[e2e][fleet]") {
  RedisServer redis({"tls-store-password-e2e", true});
  TempDir dir;
  auto certificates = make_test_certificates(dir.path());
  FakeUpstream upstream(certificates);
  auto url = "rediss://localhost:" + std::to_string(redis.tls_port()) + "/0";
  auto config = config_with_store(
      dir, upstream.origin(),
      store_json(url, R"(, "ca_file": ")" + redis.ca_file() + R"(", "audit_stream": {"key": "fleet:audit", "max_len": 1000})"));
  auto key = fake_key();
  LiveSession session({"--config", config}, base_env({"ANTHROPIC_API_KEY=" + key, "SSL_CERT_FILE=" + certificates.ca_file,
                                                      "SAFE_RUN_STORE_PASSWORD=tls-store-password-e2e"}));
  REQUIRE(session.ready());
  for (int i = 0; i < 4; ++i)
    CHECK(http_request(session.port(), "POST", "/anthropic/v1/messages", {{"x-api-key", session.token()}}, "{}").status ==
          200);
  CHECK(http_request(session.port(), "POST", "/anthropic/v1/messages", {{"x-api-key", "not-the-token"}}, "{}").status ==
        401);
  auto ended = session.end();
  CHECK(ended.status == 0);
  CHECK(redis.command({"XLEN", "fleet:audit"}) == "5");
  auto records = redis.command({"XRANGE", "fleet:audit", "-", "+"});
  CHECK(contains(records, "session\n" + session.session_id()));
  CHECK(contains(records, R"("decision":"allowed")"));
  CHECK(contains(records, R"("status":401)"));
  CHECK_FALSE(contains(records, session.token()));
  CHECK_FALSE(contains(records, key));
}

// A store named by host is resolved by Asio on a thread of its own, started while the store is
// checked, before the session blocks the signals it relays. A thread that leaves them unblocked
// takes a Ctrl-C or a kill with their default action: safe-run dies at once, and the child is
// never told (seen failing that way before the resolver thread was started with every signal blocked).
TEST_CASE("Ctrl-C and SIGTERM still reach the child when the store is named by host", "[e2e][fleet]") {
  RedisServer redis({"store-password-signals", false});
  TempDir dir;
  auto url = "redis://localhost:" + std::to_string(redis.port()) + "/0";
  auto config = config_with_store(dir, "https://127.0.0.1:9", store_json(url));
  Process process(safe_run_argv({"--config", config, "-q", "--", "/bin/sh", "-c",
                                 "trap 'echo got-INT' INT; trap 'echo got-TERM; exit 0' TERM; echo ready; "
                                 "while :; do sleep 0.02; done"}),
                  base_env({"ANTHROPIC_API_KEY=" + fake_key(), "SAFE_RUN_STORE_PASSWORD=store-password-signals",
                            "XDG_RUNTIME_DIR=" + dir.path()}));
  REQUIRE(process.wait_for_stdout("ready", std::chrono::seconds(10)));
  ::kill(process.pid(), SIGINT);
  CHECK(process.wait_for_stdout("got-INT", std::chrono::seconds(10)));
  ::kill(process.pid(), SIGTERM);
  auto result = process.finish();
  CHECK(result.status == 0);
  CHECK(contains(result.out, "got-TERM"));
}
