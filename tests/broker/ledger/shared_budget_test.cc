// Several sessions — each its own process and connection, as on many machines — sharing one
// pot in one store: hammered concurrently, never over the documented bound; a session killed
// with SIGKILL while holding reservations loses nothing.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <random>

#include "broker/ledger/redis_ledger.h"
#include "tests/broker/ledger/ledger_test_support.h"

using namespace saferun;
using namespace saferun::broker::ledger;
using namespace saferun::broker::policy;
using saferun::test::RedisServer;
using saferun::test::run_until;

namespace {

const Counter kPot{"shared:fleet:usd", Unit::micro_usd, Window::total, 200000};

struct Tally {
  std::int64_t settled = 0;  // what this session charged
  std::int64_t excess = 0;   // settled beyond what it had reserved
  int refused = 0;
  int unavailable = 0;
};

// One session: `chains` requests in flight at once, each reserve -> settle -> next, until
// `requests` were tried. Settles `actual(reserved)`.
Tally hammer(const RedisServer& server, const std::string& name, int requests, int chains, bool overrun) {
  boost::asio::io_context io;
  auto client = test::make_client(io, test::tcp_address(server), "", std::chrono::seconds(5));
  RedisLedger ledger(client, "fleet");
  ledger.define({kPot});
  Tally tally;
  int started = 0, finished = 0;
  std::mt19937 random(std::hash<std::string>{}(name));
  std::function<void()> next = [&] {
    if (started == requests) return;
    auto id = name + ":" + std::to_string(started++);
    std::int64_t want = 500 + static_cast<std::int64_t>(random() % 2000);
    std::int64_t used = overrun && random() % 4 == 0 ? want + 100 : static_cast<std::int64_t>(random() % (want + 1));
    ledger.reserve({id, {{kPot.key, want}}, std::chrono::seconds(30)}, [&, id, want, used](ReserveOutcome outcome) {
      if (outcome.status != LedgerStatus::ok) {
        ++(outcome.status == LedgerStatus::refused ? tally.refused : tally.unavailable);
        ++finished;
        return next();
      }
      ledger.settle(id, {{kPot.key, used}}, [&, want, used](LedgerStatus status) {
        if (status == LedgerStatus::ok) {
          tally.settled += used;
          tally.excess += std::max<std::int64_t>(0, used - want);
        } else {
          ++tally.unavailable;
        }
        ++finished;
        next();
      });
    });
  };
  for (int i = 0; i < chains; ++i) next();
  run_until(io, [&] { return finished == requests; }, std::chrono::seconds(30));
  client->close();
  return tally;
}

// Each session in its own process, as on separate machines; each reports its tally on a pipe.
std::vector<Tally> hammer_in_parallel(const RedisServer& server, int sessions, bool overrun) {
  std::vector<std::pair<pid_t, int>> children;
  for (int s = 0; s < sessions; ++s) {
    int channel[2];
    REQUIRE(::pipe(channel) == 0);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(channel[0]);
      Tally tally = hammer(server, "s" + std::to_string(s), 300, 8, overrun);
      [[maybe_unused]] auto written = ::write(channel[1], &tally, sizeof tally);
      ::_exit(0);
    }
    ::close(channel[1]);
    children.emplace_back(pid, channel[0]);
  }
  std::vector<Tally> tallies;
  for (auto [pid, fd] : children) {
    Tally tally;
    tally.unavailable = -1000;  // stays visible if the child never reported
    [[maybe_unused]] auto got = ::read(fd, &tally, sizeof tally);
    ::close(fd);
    ::waitpid(pid, nullptr, 0);
    tallies.push_back(tally);
  }
  return tallies;
}

std::int64_t store_number(const RedisServer& server, const std::string& key) {
  auto value = server.command({"GET", key});
  return value == "(nil)" ? 0 : std::stoll(value);
}
std::int64_t store_used(const RedisServer& server) { return store_number(server, "fleet:used:" + kPot.key + ":t"); }
std::int64_t store_held(const RedisServer& server) { return store_number(server, "fleet:held:" + kPot.key); }

}  // namespace

TEST_CASE("four sessions hammering one shared pot never overshoot it, and the store adds up", "[shared_budget]") {
  RedisServer server;
  auto tallies = hammer_in_parallel(server, 4, false);
  std::int64_t settled = 0;
  int refused = 0, unavailable = 0;
  for (const auto& t : tallies) {
    settled += t.settled;
    refused += t.refused;
    unavailable += t.unavailable;
  }
  CHECK(unavailable == 0);
  CHECK(refused > 0);  // the pot ran out: the race was real
  CHECK(store_used(server) == settled);
  CHECK(store_used(server) <= kPot.max);
  CHECK(store_held(server) == 0);
}

TEST_CASE("settlements above their reservation overshoot by exactly their excess, no more", "[shared_budget]") {
  RedisServer server;
  auto tallies = hammer_in_parallel(server, 3, true);
  std::int64_t settled = 0, excess = 0;
  for (const auto& t : tallies) {
    settled += t.settled;
    excess += t.excess;
  }
  CHECK(excess > 0);
  CHECK(store_used(server) == settled);
  CHECK(store_used(server) <= kPot.max + excess);
}

TEST_CASE("a session SIGKILLed while holding reservations loses nothing: the pot is whole after the ttl",
          "[shared_budget]") {
  RedisServer server;
  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // The doomed session: holds the whole pot in three reservations, says so, and waits.
    ::close(ready[0]);
    boost::asio::io_context io;
    auto client = test::make_client(io, test::tcp_address(server));
    RedisLedger ledger(client, "fleet");
    ledger.define({kPot});
    int held = 0;
    for (int i = 0; i < 3; ++i)
      ledger.reserve({"doomed:" + std::to_string(i), {{kPot.key, kPot.max / 3}}, std::chrono::seconds(1)},
                     [&](ReserveOutcome outcome) { held += outcome.status == LedgerStatus::ok; });
    run_until(io, [&] { return held == 3; });
    char byte = held == 3 ? 'y' : 'n';
    [[maybe_unused]] auto written = ::write(ready[1], &byte, 1);
    ::pause();
    ::_exit(0);
  }
  ::close(ready[1]);
  char byte = 0;
  REQUIRE(::read(ready[0], &byte, 1) == 1);
  ::close(ready[0]);
  CHECK(byte == 'y');
  CHECK(store_held(server) == kPot.max / 3 * 3);
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  CHECK(WIFSIGNALED(status));

  boost::asio::io_context io;
  auto client = test::make_client(io, test::tcp_address(server));
  RedisLedger survivor(client, "fleet");
  survivor.define({kPot});
  std::optional<ReserveOutcome> whole;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(4);
  while (std::chrono::steady_clock::now() < deadline && !(whole && whole->status == LedgerStatus::ok)) {
    whole.reset();
    survivor.reserve({"survivor", {{kPot.key, kPot.max}}, std::chrono::seconds(60)},
                     [&](ReserveOutcome outcome) { whole = outcome; });
    run_until(io, [&] { return whole.has_value(); });
    if (whole->status != LedgerStatus::ok) run_until(io, [] { return false; }, std::chrono::milliseconds(100));
  }
  REQUIRE(whole.has_value());
  CHECK(whole->status == LedgerStatus::ok);
  CHECK(store_used(server) == 0);
  client->close();
}
