// Latency and throughput of the shared ledger (bench/ledger.sh): reserve + settle round trips
// through RedisLedger against a redis-server this probe starts on loopback (TCP, Unix socket,
// TLS through the relay), next to the same operations on an in-memory ledger on the same
// loop. Prints Markdown rows.
//
//   ledger-probe [round trips per cell, default 5000]

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "broker/ledger/redis_ledger.h"
#include "tests/broker/ledger/ledger_test_support.h"
#include "tests/broker/ledger/memory_ledger.h"
#include "tests/support/temp_dir.h"

using namespace saferun;
using namespace saferun::broker::policy;
using Clock = std::chrono::steady_clock;

namespace {

const Counter kUsd{"shared:bench:usd", Unit::micro_usd, Window::per_day, 1'000'000'000'000};
const Counter kRpm{"shared:bench:rpm", Unit::requests, Window::per_minute, 1'000'000'000};

double percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  return values[static_cast<std::size_t>(p * static_cast<double>(values.size() - 1))];
}

// `chains` requests in flight, each reserve -> settle -> next; returns per-pair latencies (ms)
// and the pairs per second.
std::pair<std::vector<double>, double> run(boost::asio::io_context& io, Ledger& ledger, int pairs, int chains) {
  std::vector<double> latencies;
  int started = 0, finished = 0;
  std::function<void()> next = [&] {
    if (started == pairs) return;
    auto id = "bench:" + std::to_string(started++);
    auto begin = Clock::now();
    ledger.reserve({id, {{kUsd.key, 3000}, {kRpm.key, 1}}, std::chrono::seconds(600)}, [&, id, begin](ReserveOutcome) {
      ledger.settle(id, {{kUsd.key, 1200}, {kRpm.key, 1}}, [&, begin](LedgerStatus) {
        latencies.push_back(std::chrono::duration<double, std::milli>(Clock::now() - begin).count());
        ++finished;
        next();
      });
    });
  };
  auto begin = Clock::now();
  for (int i = 0; i < chains; ++i) next();
  test::run_until(io, [&] { return finished == pairs; }, std::chrono::seconds(120));
  double seconds = std::chrono::duration<double>(Clock::now() - begin).count();
  return {latencies, finished / seconds};
}

void row(const char* name, boost::asio::io_context& io, Ledger& ledger, int pairs) {
  ledger.define({kUsd, kRpm});
  run(io, ledger, 200, 1);  // warm: connection, scripts loaded
  auto [serial, serial_rate] = run(io, ledger, pairs, 1);
  auto [loaded, loaded_rate] = run(io, ledger, pairs * 4, 64);
  std::printf("| %s | %.3f | %.3f | %.0f | %.0f |\n", name, percentile(serial, 0.5), percentile(serial, 0.99),
              serial_rate, loaded_rate);
}

}  // namespace

int main(int argc, char** argv) {
  int pairs = argc > 1 ? std::stoi(argv[1]) : 5000;
  std::printf("| ledger | reserve+settle p50 ms | p99 ms | pairs/s, one at a time | pairs/s, 64 in flight |\n");
  std::printf("|---|---|---|---|---|\n");
  {
    boost::asio::io_context io;
    test::MemoryLedger memory(io);
    row("in-memory, same loop (floor)", io, memory, pairs);
  }
  test::RedisServer server({"bench-password", true});
  test::TempDir session;
  for (const char* kind : {"tcp", "unix", "tls"}) {
    boost::asio::io_context io;
    broker::ledger::RedisClientOptions options;
    options.address = std::string(kind) == "unix" ? test::unix_address(server) : test::tcp_address(server);
    if (std::string(kind) == "tls") {
      options.address.kind = broker::ledger::StoreAddress::Kind::tls;
      options.address.host = "localhost";
      options.address.port = server.tls_port();
      options.ca_file = server.ca_file();
      options.relay_socket = session.path() + "/relay.sock";
    }
    auto client = broker::ledger::RedisClient::create(io, options, broker::Secret("bench-password"));
    broker::ledger::RedisLedger ledger(client, std::string("bench-") + kind);
    auto name = std::string("Redis 7, loopback ") + (std::string(kind) == "tcp" ? "TCP" : kind == std::string("unix") ? "Unix socket" : "TLS (relay)");
    row(name.c_str(), io, ledger, pairs);
    client->close();
  }
  return 0;
}
