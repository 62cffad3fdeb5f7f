// The malformed-HTTP fuzzer: mutations of real agents' requests (framing, lengths, encodings,
// header and target bytes, delivery patterns) sent to a live broker, in dry-run and in proxy
// mode. Every answer must be well-formed HTTP; every answer of the broker's own must be JSON
// and never a 500 (an exception caught by the handler guard is still a bug); after each
// batch the broker must be alive and answer a valid request correctly; nothing may carry the
// key. Bounded: SAFE_RUN_FUZZ_CASES (default 1,000 per mode) and SAFE_RUN_FUZZ_SEED.

#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/e2e/proxy_session.h"
#include "tests/fuzz/request_mutator.h"

using namespace saferun::test;
using nlohmann::json;

namespace {

constexpr int kBatch = 100;

int configured(const char* name, int fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::atoi(value) : fallback;
}

// Sends one case and returns everything the broker answered before closing.
std::string deliver(std::uint16_t port, const FuzzCase& c) {
  RawConnection connection(port);
  if (!connection.connected()) return {};
  if (c.pieces.empty()) {
    connection.send(c.bytes);
  } else {
    std::size_t at = 0;
    for (auto piece : c.pieces) {
      connection.send(c.bytes.substr(at, piece));
      at += piece;
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
  }
  if (!c.half_close) return {};
  ::shutdown(connection.fd(), SHUT_WR);
  return connection.read_all(std::chrono::seconds(5));
}

// What every answer must satisfy; returns a description of the first violation, or "".
std::string check_answers(const std::string& raw, const std::string& key, bool dry_run) {
  if (contains(raw, key)) return "an answer carried the key";
  for (const auto& response : parse_responses(raw)) {
    if (response.status < 100 || response.status > 599) return "status " + std::to_string(response.status);
    if (response.header("x-safe-run-request-id").empty()) continue;  // relayed from the upstream
    if (response.status == 500) return "the broker answered 500 (an exception reached the handler guard)";
    if (dry_run && response.status >= 500 && response.status != 501) return "dry-run answered " + std::to_string(response.status);
    if (response.status >= 400 && !json::accept(response.body)) return "a refusal whose body is not JSON";
  }
  return {};
}

bool answers_status_correctly(std::uint16_t port, const std::string& token, const std::string& session_id) {
  auto response = http_request(port, "GET", "/_safe-run/status", {{"x-api-key", token}});
  UNSCOPED_INFO("the status request was answered " << response.status);
  return response.status == 200 && json::accept(response.body) && json::parse(response.body)["session"] == session_id;
}

void fuzz(LiveSession& session, const std::string& key, bool dry_run, std::uint64_t seed) {
  const int cases = configured("SAFE_RUN_FUZZ_CASES", 1000);
  RequestMutator mutator(agent_requests(session.token()), seed);
  for (int done = 0; done < cases; done += kBatch) {
    for (int i = 0; i < kBatch; ++i) {
      auto c = mutator.next();
      auto problem = check_answers(deliver(session.port(), c), key, dry_run);
      if (!problem.empty()) {
        // The case, escaped, so it can be replayed; never the key (it is not in any request).
        FAIL("case " << done + i << " (seed " << seed << "): " << problem << "; request bytes: "
                     << json(c.bytes).dump(-1, ' ', true, json::error_handler_t::replace));
      }
    }
    INFO("after " << done + kBatch << " cases (seed " << seed << ")");
    REQUIRE(process_exists(session.process().pid()));
    REQUIRE(answers_status_correctly(session.port(), session.token(), session.session_id()));
  }
}

std::uint64_t fuzz_seed() { return static_cast<std::uint64_t>(configured("SAFE_RUN_FUZZ_SEED", 20261130)); }

}  // namespace

TEST_CASE("mutated agent requests never crash, freeze or confuse a dry-run broker", "[fuzz]") {
  auto key = fake_key();
  LiveSession session({"--dry-run"}, base_env({"ANTHROPIC_API_KEY=" + key}));
  REQUIRE(session.ready());
  fuzz(session, key, true, fuzz_seed());
  auto result = session.end();
  CHECK(result.status == 0);
  CHECK_FALSE(contains(result.out + result.err, key));
}

TEST_CASE("mutated agent requests never crash, freeze or confuse a proxying broker", "[fuzz]") {
  ProxySession proxy;
  REQUIRE(proxy.session->ready());
  fuzz(*proxy.session, proxy.anthropic_key, false, fuzz_seed() + 1);
  CHECK_FALSE(contains(proxy.everything_printed(), proxy.anthropic_key));
  auto result = proxy.session->end();
  CHECK(result.status == 0);
  CHECK_FALSE(contains(result.out + result.err, proxy.anthropic_key));
  CHECK_FALSE(contains(result.out + result.err, proxy.openai_key));
}
