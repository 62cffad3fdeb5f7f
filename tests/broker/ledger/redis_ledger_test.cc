#include "broker/ledger/redis_ledger.h"

#include <catch2/catch.hpp>

#include "tests/broker/ledger/ledger_test_support.h"

using namespace saferun;
using namespace saferun::broker::ledger;
using namespace saferun::broker::policy;
using saferun::test::RedisServer;
using saferun::test::run_until;

namespace {

// One ledger on its own loop: what a session holds.
struct Session {
  explicit Session(const RedisServer& server, std::chrono::milliseconds timeout = std::chrono::milliseconds(500))
      : client(test::make_client(io, test::tcp_address(server), "", timeout)), ledger(client, "test") {}
  ~Session() { client->close(); }

  ReserveOutcome reserve(std::string id, std::vector<Draw> draws, std::chrono::seconds ttl = std::chrono::seconds(60)) {
    std::optional<ReserveOutcome> outcome;
    ledger.reserve({std::move(id), std::move(draws), ttl}, [&](ReserveOutcome o) { outcome = std::move(o); });
    run_until(io, [&] { return outcome.has_value(); });
    return outcome.value_or(ReserveOutcome{LedgerStatus::unavailable, "", 0, {}, "test: no completion"});
  }

  LedgerStatus settle(std::string id, std::vector<Draw> actual) {
    std::optional<LedgerStatus> status;
    ledger.settle(std::move(id), std::move(actual), [&](LedgerStatus s) { status = s; });
    run_until(io, [&] { return status.has_value(); });
    return status.value_or(LedgerStatus::unavailable);
  }

  // used + reserved of one counter; -1 when the store did not answer.
  std::pair<std::int64_t, std::int64_t> balance(const std::string& key) {
    std::optional<std::pair<std::int64_t, std::int64_t>> found;
    bool done = false;
    ledger.balances([&](LedgerStatus status, std::vector<Balance> balances) {
      done = true;
      if (status != LedgerStatus::ok) return;
      for (const auto& b : balances)
        if (b.counter.key == key) found = {b.used, b.reserved};
    });
    run_until(io, [&] { return done; });
    return found.value_or(std::pair<std::int64_t, std::int64_t>{-1, -1});
  }

  boost::asio::io_context io;
  std::shared_ptr<RedisClient> client;
  RedisLedger ledger;
};

const Counter kUsd{"shared:eval:usd", Unit::micro_usd, Window::total, 50000};
const Counter kRpm{"shared:eval:rpm", Unit::requests, Window::per_minute, 3};

}  // namespace

TEST_CASE("a reservation takes from every counter it names, or from none", "[redis_ledger]") {
  RedisServer server;
  Session session(server);
  session.ledger.define({kUsd, kRpm});
  CHECK(session.reserve("s1:1", {{kUsd.key, 30000}, {kRpm.key, 1}}).status == LedgerStatus::ok);
  auto refused = session.reserve("s1:2", {{kUsd.key, 30000}, {kRpm.key, 1}});
  CHECK(refused.status == LedgerStatus::refused);
  CHECK(refused.counter == kUsd.key);
  CHECK(refused.remaining == 20000);
  CHECK_FALSE(refused.retry_after.has_value());  // a total never frees up by itself
  // Nothing was taken from the request counter by the refused reservation.
  CHECK(session.balance(kRpm.key) == std::pair<std::int64_t, std::int64_t>{0, 1});
  CHECK(session.balance(kUsd.key) == std::pair<std::int64_t, std::int64_t>{0, 30000});
}

TEST_CASE("a windowed counter that refuses says when its window frees up", "[redis_ledger]") {
  RedisServer server;
  Session session(server);
  session.ledger.define({kRpm});
  for (int i = 0; i < 3; ++i) REQUIRE(session.reserve("r" + std::to_string(i), {{kRpm.key, 1}}).status == LedgerStatus::ok);
  auto refused = session.reserve("r3", {{kRpm.key, 1}});
  REQUIRE(refused.status == LedgerStatus::refused);
  REQUIRE(refused.retry_after.has_value());
  CHECK(refused.retry_after->count() >= 1);
  CHECK(refused.retry_after->count() <= 60);
}

TEST_CASE("settling replaces the reservation by what was used, once", "[redis_ledger]") {
  RedisServer server;
  Session session(server);
  session.ledger.define({kUsd});
  REQUIRE(session.reserve("s1:1", {{kUsd.key, 40000}}).status == LedgerStatus::ok);
  CHECK(session.settle("s1:1", {{kUsd.key, 12345}}) == LedgerStatus::ok);
  CHECK(session.balance(kUsd.key) == std::pair<std::int64_t, std::int64_t>{12345, 0});
  // A retried settlement changes nothing.
  CHECK(session.settle("s1:1", {{kUsd.key, 12345}}) == LedgerStatus::ok);
  CHECK(session.balance(kUsd.key) == std::pair<std::int64_t, std::int64_t>{12345, 0});
  // Neither does settling an id that was never reserved, nor re-reserving a settled id.
  CHECK(session.settle("never", {{kUsd.key, 999}}) == LedgerStatus::ok);
  CHECK(session.reserve("s1:1", {{kUsd.key, 1}}).status == LedgerStatus::ok);
  CHECK(session.balance(kUsd.key) == std::pair<std::int64_t, std::int64_t>{12345, 0});
}

TEST_CASE("a counter left out of a settlement is settled at zero", "[redis_ledger]") {
  RedisServer server;
  Session session(server);
  const Counter slots{"shared:eval:concurrent", Unit::concurrent, Window::total, 1};
  session.ledger.define({kUsd, slots});
  REQUIRE(session.reserve("a", {{kUsd.key, 100}, {slots.key, 1}}).status == LedgerStatus::ok);
  CHECK(session.reserve("b", {{slots.key, 1}}).status == LedgerStatus::refused);
  REQUIRE(session.settle("a", {{kUsd.key, 60}}) == LedgerStatus::ok);
  CHECK(session.balance(slots.key) == std::pair<std::int64_t, std::int64_t>{0, 0});
  CHECK(session.reserve("b", {{slots.key, 1}}).status == LedgerStatus::ok);
}

TEST_CASE("a reservation never settled gives its amount back after its ttl", "[redis_ledger]") {
  RedisServer server;
  Session session(server);
  session.ledger.define({kUsd});
  REQUIRE(session.reserve("lost", {{kUsd.key, 50000}}, std::chrono::seconds(1)).status == LedgerStatus::ok);
  CHECK(session.reserve("next", {{kUsd.key, 1}}).status == LedgerStatus::refused);
  bool whole = run_until(session.io, [&] { return session.balance(kUsd.key).second == 0; }, std::chrono::seconds(4));
  CHECK(whole);
  CHECK(session.reserve("next", {{kUsd.key, 50000}}).status == LedgerStatus::ok);
}

TEST_CASE("a settlement arriving after the ttl is still charged, once", "[redis_ledger]") {
  RedisServer server;
  Session session(server);
  session.ledger.define({kUsd});
  REQUIRE(session.reserve("slow", {{kUsd.key, 1000}}, std::chrono::seconds(1)).status == LedgerStatus::ok);
  REQUIRE(run_until(session.io, [&] { return session.balance(kUsd.key).second == 0; }, std::chrono::seconds(4)));
  CHECK(session.settle("slow", {{kUsd.key, 700}}) == LedgerStatus::ok);
  CHECK(session.settle("slow", {{kUsd.key, 700}}) == LedgerStatus::ok);
  CHECK(session.balance(kUsd.key) == std::pair<std::int64_t, std::int64_t>{700, 0});
}

TEST_CASE("a store that is down makes the ledger unavailable, not refused, and it recovers", "[redis_ledger]") {
  RedisServer server;
  Session session(server);
  session.ledger.define({kUsd});
  REQUIRE(session.reserve("before", {{kUsd.key, 10}}).status == LedgerStatus::ok);
  server.stop();
  auto down = session.reserve("during", {{kUsd.key, 10}});
  CHECK(down.status == LedgerStatus::unavailable);
  CHECK_FALSE(down.reason.empty());
  CHECK(session.settle("before", {{kUsd.key, 10}}) == LedgerStatus::unavailable);
  server.start();  // an empty store (no persistence): the scripts must be loaded again
  bool recovered = false;
  for (int attempt = 0; attempt < 20 && !recovered; ++attempt) {
    recovered = session.reserve("after" + std::to_string(attempt), {{kUsd.key, 10}}).status == LedgerStatus::ok;
    if (!recovered) run_until(session.io, [] { return false; }, std::chrono::milliseconds(30));
  }
  CHECK(recovered);
}

TEST_CASE("a store answering errors makes the ledger unavailable", "[redis_ledger]") {
  RedisServer server;
  Session session(server);
  session.ledger.define({kUsd});
  // A key of the wrong type where the ledger keeps its holds: every script now errors.
  server.command({"SET", "test:holds:" + kUsd.key, "not a sorted set"});
  auto outcome = session.reserve("x", {{kUsd.key, 10}});
  CHECK(outcome.status == LedgerStatus::unavailable);
  CHECK(test::contains(outcome.reason, "store error"));
}

TEST_CASE("the scripts are loaded again after the store forgot them", "[redis_ledger]") {
  RedisServer server;
  Session session(server);
  session.ledger.define({kUsd});
  REQUIRE(session.reserve("one", {{kUsd.key, 10}}).status == LedgerStatus::ok);
  server.command({"SCRIPT", "FLUSH"});
  CHECK(session.reserve("two", {{kUsd.key, 10}}).status == LedgerStatus::ok);
  CHECK(session.settle("two", {{kUsd.key, 5}}) == LedgerStatus::ok);
  CHECK(session.balance(kUsd.key) == std::pair<std::int64_t, std::int64_t>{5, 10});
}

TEST_CASE("a windowed counter's use is kept under the current window and expires", "[redis_ledger]") {
  RedisServer server;
  Session session(server);
  const Counter daily{"shared:eval:usd:day", Unit::micro_usd, Window::per_day, 1000};
  session.ledger.define({daily});
  REQUIRE(session.reserve("d", {{daily.key, 100}}).status == LedgerStatus::ok);
  REQUIRE(session.settle("d", {{daily.key, 80}}) == LedgerStatus::ok);
  auto day = std::to_string(std::stoll(server.command({"TIME"}).substr(0, 10)) / 86400);
  auto key = "test:used:" + daily.key + ":" + day;
  CHECK(server.command({"GET", key}) == "80");
  auto ttl = std::stoll(server.command({"TTL", key}));
  CHECK(ttl > 86400);
  CHECK(ttl <= 2 * 86400);
}

TEST_CASE("two sessions naming one shared counter draw from one pot", "[redis_ledger]") {
  RedisServer server;
  Session first(server), second(server);
  first.ledger.define({kUsd});
  second.ledger.define({kUsd});
  REQUIRE(first.reserve("a:1", {{kUsd.key, 30000}}).status == LedgerStatus::ok);
  CHECK(second.reserve("b:1", {{kUsd.key, 30000}}).status == LedgerStatus::refused);
  REQUIRE(first.settle("a:1", {{kUsd.key, 10000}}) == LedgerStatus::ok);
  CHECK(second.reserve("b:1", {{kUsd.key, 30000}}).status == LedgerStatus::ok);
  CHECK(first.balance(kUsd.key) == std::pair<std::int64_t, std::int64_t>{10000, 30000});
}
