#include "broker/ledger/split_ledger.h"

#include <catch2/catch.hpp>

#include "broker/ledger/redis_ledger.h"
#include "tests/broker/ledger/ledger_test_support.h"
#include "tests/broker/ledger/memory_ledger.h"

using namespace saferun;
using namespace saferun::broker::ledger;
using namespace saferun::broker::policy;
using saferun::test::RedisServer;
using saferun::test::run_until;

namespace {

const Counter kMine{"session:s1:session:usd", Unit::micro_usd, Window::total, 1000};
const Counter kOurs{"shared:eval:usd", Unit::micro_usd, Window::total, 500};

struct Fixture {
  explicit Fixture(const RedisServer& server, bool fallback = false)
      : client(test::make_client(io, test::tcp_address(server), "", std::chrono::milliseconds(300))),
        shared(std::make_shared<RedisLedger>(client, "split")) {
    auto owned = std::make_unique<test::MemoryLedger>(io);
    local = owned.get();
    ledger = std::make_unique<SplitLedger>(std::move(owned), shared, fallback);
    ledger->define({kMine, kOurs});
  }
  ~Fixture() { client->close(); }

  ReserveOutcome reserve(const std::string& id, std::int64_t mine, std::int64_t ours) {
    std::optional<ReserveOutcome> outcome;
    ledger->reserve({id, {{kMine.key, mine}, {kOurs.key, ours}}, std::chrono::seconds(60)},
                    [&](ReserveOutcome o) { outcome = o; });
    run_until(io, [&] { return outcome.has_value(); });
    return outcome.value_or(ReserveOutcome{LedgerStatus::unavailable, "", 0, {}, "test: no completion"});
  }
  LedgerStatus settle(const std::string& id, std::int64_t mine, std::int64_t ours) {
    std::optional<LedgerStatus> status;
    ledger->settle(id, {{kMine.key, mine}, {kOurs.key, ours}}, [&](LedgerStatus s) { status = s; });
    run_until(io, [&] { return status.has_value(); });
    return status.value_or(LedgerStatus::unavailable);
  }

  boost::asio::io_context io;
  std::shared_ptr<RedisClient> client;
  std::shared_ptr<RedisLedger> shared;
  test::MemoryLedger* local = nullptr;
  std::unique_ptr<SplitLedger> ledger;
};

}  // namespace

TEST_CASE("a session's own counters stay local and shared ones go to the store", "[split_ledger]") {
  RedisServer server;
  Fixture f(server);
  REQUIRE(f.reserve("r1", 100, 200).status == LedgerStatus::ok);
  CHECK(f.local->held(kMine.key) == 100);
  CHECK(f.local->held(kOurs.key) == 0);
  CHECK(server.command({"GET", "split:held:" + kOurs.key}) == "200");
  REQUIRE(f.settle("r1", 80, 150) == LedgerStatus::ok);
  CHECK(f.local->used(kMine.key) == 80);
  CHECK(server.command({"GET", "split:used:" + kOurs.key + ":t"}) == "150");
  CHECK(server.command({"GET", "split:held:" + kOurs.key}) == "0");
}

TEST_CASE("a reservation the shared pot refuses gives back the session's own counters", "[split_ledger]") {
  RedisServer server;
  Fixture f(server);
  auto outcome = f.reserve("r1", 100, 600);
  CHECK(outcome.status == LedgerStatus::refused);
  CHECK(outcome.counter == kOurs.key);
  CHECK(f.local->held(kMine.key) == 0);
}

TEST_CASE("a store that is down refuses what needs it, and gives back the local part", "[split_ledger]") {
  RedisServer server;
  Fixture f(server);
  server.stop();
  auto outcome = f.reserve("r1", 100, 100);
  CHECK(outcome.status == LedgerStatus::unavailable);
  CHECK(f.local->held(kMine.key) == 0);
  CHECK(f.ledger->fallbacks() == 0);
}

TEST_CASE("with on_unavailable local, a store that is down leaves the session's own limits in charge",
          "[split_ledger]") {
  RedisServer server;
  Fixture f(server, /*fallback=*/true);
  server.stop();
  CHECK(f.reserve("r1", 100, 100).status == LedgerStatus::ok);
  CHECK(f.ledger->fallbacks() == 1);
  CHECK(f.local->held(kMine.key) == 100);
  CHECK(f.reserve("r2", 1000, 100).status == LedgerStatus::refused);  // the local limit still holds
}
