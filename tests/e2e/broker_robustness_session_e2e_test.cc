// Session-level robustness: a squatted session root, two routes sharing one environment
// secret, and requests still in flight when the child exits.

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "tests/e2e/raw_route_session.h"

using namespace saferun::test;
using nlohmann::json;

TEST_CASE("another user squatting the /tmp session root does not stop the session", "[e2e][robustness][session]") {
  if (::geteuid() != 0) { WARN("needs root to create a directory owned by another user (CI runs as root)"); return; }
  TempDir tmp;
  auto squatted = tmp.path() + "/safe-run-" + std::to_string(::geteuid());
  std::filesystem::create_directory(squatted);
  ::chmod(squatted.c_str(), 0700);
  REQUIRE(::chown(squatted.c_str(), 65534, 65534) == 0);
  std::vector<std::string> env = {"PATH=/usr/bin:/bin", "HOME=" + tmp.path(), "TMPDIR=" + tmp.path(),
                                  "ANTHROPIC_API_KEY=" + fake_key()};
  auto result = run_process(safe_run_argv({"--dry-run", "--", "/bin/sh", "-c", "exit 7"}), env);
  CHECK(result.status == 7);
  INFO(result.err);
}

TEST_CASE("two routes may share one environment secret", "[e2e][robustness][session]") {
  FakeUpstream upstream;
  TempDir dir;
  auto route = [&](const std::string& name) {
    return R"({"name": ")" + name + R"(", "provider": "anthropic", "upstream": ")" + upstream.origin() +
           R"(/anthropic", "credential": "x-api-key: {secret}", "secret": {"env": "SHARED_KEY"},
           "allow": ["POST /v1/messages"], "child_env": {}})";
  };
  auto config = dir.write("config.json", "{\"routes\": [" + route("first") + ", " + route("second") + "]}");
  auto key = fake_key();
  LiveSession session({"--config", config}, base_env({"SHARED_KEY=" + key}));
  REQUIRE(session.ready());
  for (const char* base : {"/first", "/second"}) {
    INFO(base);
    CHECK(http_request(session.port(), "POST", std::string(base) + "/v1/messages", {{"x-api-key", session.token()}}, "{}")
              .status == 200);
  }
  auto requests = upstream.requests();
  REQUIRE(requests.size() == 2);
  for (const auto& request : requests) CHECK(same_secret(request.header("x-api-key"), key));
}

TEST_CASE("requests in flight when the child exits are counted in the summary", "[e2e][robustness][session]") {
  RawRouteSession raw([](const RawUpstreamRequest&) {
    RawUpstreamAnswer answer = {raw_response(200, "OK", "", "{}")};
    answer.hold_ms = 10000;
    return answer;
  });
  REQUIRE(raw.session.ready());
  std::vector<std::unique_ptr<RawConnection>> pending;
  for (int i = 0; i < 3; ++i) {
    pending.push_back(std::make_unique<RawConnection>(raw.session.port()));
    pending.back()->send(request_bytes("POST", "/anthropic/v1/messages", raw.headers(), "{}", false));
  }
  for (int i = 0; i < 50 && raw.upstream.requests() < 3; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  REQUIRE(raw.upstream.requests() == 3);
  auto result = raw.session.end();
  CHECK(result.status == 0);
  std::smatch counts;
  REQUIRE(std::regex_search(result.err, counts, std::regex("requests: ([0-9]+) served, ([0-9]+) denied")));
  CHECK(std::stoi(counts[1]) + std::stoi(counts[2]) == 3);
}

TEST_CASE("a token-less flood with long paths writes a bounded audit log", "[e2e][robustness][session]") {
  LiveSession session({"--dry-run"}, base_env({"ANTHROPIC_API_KEY=" + fake_key()}));
  REQUIRE(session.ready());
  std::string burst;
  for (int i = 0; i < 100; ++i)
    burst += "GET /anthropic/v1/" + std::string(16000, 'a') + " HTTP/1.1\r\nHost: x\r\n" +
             (i == 99 ? "Connection: close\r\n\r\n" : "\r\n");
  for (int connection = 0; connection < 20; ++connection) http_exchange(session.port(), burst, std::chrono::seconds(5));
  CHECK(http_request(session.port(), "GET", "/_safe-run/status", {{"x-api-key", session.token()}}).status == 200);
  auto size = std::filesystem::file_size(session.session_dir() + "/events.jsonl");
  INFO("audit log bytes: " << size);
  CHECK(size < (1u << 20));
  CHECK(session.end().status == 0);
}
