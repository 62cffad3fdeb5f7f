#include "broker/policy/in_process_ledger.h"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

using namespace saferun::broker::policy;
using namespace std::chrono_literals;

namespace {

struct LedgerFixture {
  boost::asio::io_context io;
  std::chrono::system_clock::time_point now{std::chrono::seconds(1'700'000'000 / 60 * 60)};  // a minute boundary
  InProcessLedger ledger{io.get_executor(), [this] { return now; }};

  ReserveOutcome reserve(std::string id, std::vector<Draw> draws, std::chrono::seconds ttl = 3600s) {
    ReserveOutcome result;
    bool called = false;
    ledger.reserve({std::move(id), std::move(draws), ttl}, [&](ReserveOutcome o) { result = o, called = true; });
    CHECK_FALSE(called);  // never inside the call
    io.restart();
    io.run();
    CHECK(called);
    return result;
  }
  void settle(std::string id, std::vector<Draw> actual) {
    ledger.settle(std::move(id), std::move(actual), [](LedgerStatus) {});
    io.restart();
    io.run();
  }
  Balance balance(const std::string& key) {
    Balance found;
    ledger.balances([&](LedgerStatus, std::vector<Balance> all) {
      for (auto& b : all)
        if (b.counter.key == key) found = b;
    });
    io.restart();
    io.run();
    return found;
  }
};

}  // namespace

TEST_CASE("a reservation is all-or-nothing across its counters", "[policy][ledger]") {
  LedgerFixture f;
  f.ledger.define({{"usd", Unit::micro_usd, Window::total, 100}, {"req", Unit::requests, Window::total, 10}});
  CHECK(f.reserve("a", {{"req", 1}, {"usd", 80}}).status == LedgerStatus::ok);
  auto refused = f.reserve("b", {{"req", 1}, {"usd", 30}});
  CHECK(refused.status == LedgerStatus::refused);
  CHECK(refused.counter == "usd");
  CHECK(refused.remaining == 20);
  CHECK(f.balance("req").reserved == 1);  // b took nothing
  CHECK(f.reserve("c", {{"req", 1}, {"usd", 20}}).status == LedgerStatus::ok);
}

TEST_CASE("settling replaces the reservation with what was used, once", "[policy][ledger]") {
  LedgerFixture f;
  f.ledger.define({{"usd", Unit::micro_usd, Window::total, 100}});
  f.reserve("a", {{"usd", 90}});
  f.settle("a", {{"usd", 30}});
  f.settle("a", {{"usd", 30}});  // twice: no change
  f.settle("never", {{"usd", 50}});
  auto b = f.balance("usd");
  CHECK(b.used == 30);
  CHECK(b.reserved == 0);
  CHECK(f.reserve("b", {{"usd", 70}}).status == LedgerStatus::ok);
  CHECK(f.reserve("c", {{"usd", 1}}).status == LedgerStatus::refused);
}

TEST_CASE("a counter left out of the settlement is settled at zero (a concurrency slot)", "[policy][ledger]") {
  LedgerFixture f;
  f.ledger.define({{"slots", Unit::concurrent, Window::total, 1}});
  CHECK(f.reserve("a", {{"slots", 1}}).status == LedgerStatus::ok);
  CHECK(f.reserve("b", {{"slots", 1}}).status == LedgerStatus::refused);
  f.settle("a", {});
  CHECK(f.reserve("b", {{"slots", 1}}).status == LedgerStatus::ok);
}

TEST_CASE("an unsettled reservation gives itself back after its ttl", "[policy][ledger]") {
  LedgerFixture f;
  f.ledger.define({{"usd", Unit::micro_usd, Window::total, 100}});
  f.reserve("lost", {{"usd", 100}}, 30s);
  CHECK(f.reserve("b", {{"usd", 1}}).status == LedgerStatus::refused);
  f.now += 31s;
  CHECK(f.reserve("b", {{"usd", 100}}).status == LedgerStatus::ok);
  f.settle("lost", {{"usd", 100}});  // too late: changes nothing
  CHECK(f.balance("usd").used == 0);
}

TEST_CASE("a per-minute counter restarts with its window and says when", "[policy][ledger]") {
  LedgerFixture f;
  f.ledger.define({{"rpm", Unit::requests, Window::per_minute, 2}});
  f.now += 15s;
  f.reserve("1", {{"rpm", 1}});
  f.settle("1", {{"rpm", 1}});
  f.reserve("2", {{"rpm", 1}});
  f.settle("2", {{"rpm", 1}});
  auto refused = f.reserve("3", {{"rpm", 1}});
  CHECK(refused.status == LedgerStatus::refused);
  REQUIRE(refused.retry_after);
  CHECK(refused.retry_after->count() == 45);
  f.now += 45s;
  CHECK(f.reserve("3", {{"rpm", 1}}).status == LedgerStatus::ok);
}

TEST_CASE("an undefined counter is unavailable, not refused", "[policy][ledger]") {
  LedgerFixture f;
  CHECK(f.reserve("a", {{"nope", 1}}).status == LedgerStatus::unavailable);
}

TEST_CASE("reserving the same id twice holds its amounts once", "[policy][ledger]") {
  LedgerFixture f;
  f.ledger.define({{"usd", Unit::micro_usd, Window::total, 100}});
  f.reserve("a", {{"usd", 60}});
  CHECK(f.reserve("a", {{"usd", 60}}).status == LedgerStatus::ok);
  CHECK(f.balance("usd").reserved == 60);
}
