#include "session/store_config.h"

#include <catch2/catch.hpp>

#include "session/config_parser.h"
#include "session/setup_error.h"

using namespace saferun::session;

namespace {

const char* kRoutes = R"("routes": [{"name": "anthropic", "provider": "anthropic",
  "upstream": "https://api.anthropic.com", "credential": "x-api-key: {secret}",
  "secret": {"env": "ANTHROPIC_API_KEY"}, "allow": ["POST /v1/messages"]}])";

Config parse_with_store(const std::string& store) {
  return parse_config_text(std::string("{") + kRoutes + ", \"store\": " + store + "}", "c.json");
}

std::string error_of(const std::string& store) {
  try {
    parse_with_store(store);
  } catch (const SetupError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("a config without a store keeps the in-process ledger", "[store_config]") {
  auto config = parse_config_text(std::string("{") + kRoutes + "}", "c.json");
  CHECK(config.store == nullptr);
}

TEST_CASE("every store field parses", "[store_config]") {
  auto config = parse_with_store(R"({"url": "rediss://fleet@redis.internal:6380/2",
    "secret": {"file": "/run/secrets/redis"}, "ca_file": "/etc/ssl/ca.pem", "prefix": "team-a",
    "timeout_ms": 250, "on_unavailable": "local",
    "audit_stream": {"key": "team-a:audit", "max_len": 5000}})");
  REQUIRE(config.store);
  const auto& store = *config.store;
  CHECK(store.address.kind == saferun::broker::ledger::StoreAddress::Kind::tls);
  CHECK(store.address.host == "redis.internal");
  CHECK(store.address.username == "fleet");
  CHECK(store.address.db == 2);
  CHECK(store.secret.label() == "file:/run/secrets/redis");
  CHECK(store.ca_file == "/etc/ssl/ca.pem");
  CHECK(store.prefix == "team-a");
  CHECK(store.timeout == std::chrono::milliseconds(250));
  CHECK(store.fallback_to_local);
  CHECK(store.audit_stream == "team-a:audit");
  CHECK(store.audit_max_len == 5000);
}

TEST_CASE("store defaults fail closed with no stream", "[store_config]") {
  auto config = parse_with_store(R"({"url": "unix:///run/redis/redis.sock"})");
  REQUIRE(config.store);
  CHECK_FALSE(config.store->fallback_to_local);
  CHECK(config.store->secret.kind == SecretSource::Kind::none);
  CHECK(config.store->audit_stream.empty());
  CHECK(config.store->prefix == "saferun");
  CHECK(config.store->timeout == std::chrono::milliseconds(500));
}

TEST_CASE("bad store values are refused naming the JSON path", "[store_config]") {
  struct Case {
    const char* store;
    const char* expected;
  };
  for (const auto& [store, expected] : {
           Case{R"("redis://x")", "c.json: store: expected an object"},
           Case{R"({})", "c.json: store.url: is required"},
           Case{R"({"url": "http://x"})", "c.json: store.url: expected redis://"},
           Case{R"({"url": "redis://u:pw@x"})", "c.json: store.url: a password does not belong in the URL"},
           Case{R"({"url": "redis://u@x"})", "c.json: store.secret: a store URL naming a user needs a secret"},
           Case{R"({"url": "redis://x", "secret": {"env": "1BAD"}})", "c.json: store.secret.env: invalid"},
           Case{R"({"url": "redis://x", "secret": {}})", "c.json: store.secret: expected exactly one of"},
           Case{R"({"url": "redis://x", "ca_file": "/ca.pem"})", "c.json: store.ca_file: only a rediss://"},
           Case{R"({"url": "rediss://x", "ca_file": "ca.pem"})", "c.json: store.ca_file: expected an absolute"},
           Case{R"({"url": "redis://x", "prefix": "a b"})", "c.json: store.prefix: expected"},
           Case{R"({"url": "redis://x", "timeout_ms": 0})", "c.json: store.timeout_ms: expected a positive"},
           Case{R"({"url": "redis://x", "timeout_ms": 60001})", "c.json: store.timeout_ms: at most 60000"},
           Case{R"({"url": "redis://x", "on_unavailable": "allow"})", "c.json: store.on_unavailable: expected"},
           Case{R"({"url": "redis://x", "audit_stream": {}})", "c.json: store.audit_stream.key: is required"},
           Case{R"({"url": "redis://x", "audit_stream": {"key": "k", "max_len": -1}})",
                "c.json: store.audit_stream.max_len: expected a positive"},
           Case{R"({"url": "redis://x", "audit_stream": {"key": "k", "maxlen": 5}})",
                "c.json: store.audit_stream.maxlen: unknown key"},
           Case{R"({"url": "redis://x", "pasword": "x"})", "c.json: store.pasword: unknown key"},
       }) {
    INFO(store);
    auto error = error_of(store);
    CHECK(error.find(expected) == 0);
  }
}
