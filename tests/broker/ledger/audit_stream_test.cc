#include "broker/ledger/audit_stream.h"

#include <catch2/catch.hpp>

#include "tests/broker/ledger/ledger_test_support.h"

using namespace saferun;
using namespace saferun::broker::ledger;
using saferun::test::RedisServer;
using saferun::test::run_until;

namespace {

broker::AuditEvent event(int n) {
  broker::AuditEvent e;
  e.time = "2026-11-30T00:00:00.000Z";
  e.request_id = "r" + std::to_string(n);
  e.route = "anthropic";
  e.method = "POST";
  e.path = "/anthropic/v1/messages";
  e.status = 200;
  e.decision = "allowed";
  return e;
}

}  // namespace

TEST_CASE("every audit record is appended to the fleet's stream as the same JSON line", "[audit_stream]") {
  RedisServer server;
  boost::asio::io_context io;
  auto client = test::make_client(io, test::tcp_address(server));
  AuditStream stream(client, "fleet:audit", 1000, "session-1");
  for (int i = 0; i < 25; ++i) stream.append(event(i));
  REQUIRE(run_until(io, [&] { return stream.stats().appended == 25; }));
  CHECK(server.command({"XLEN", "fleet:audit"}) == "25");
  auto first = server.command({"XRANGE", "fleet:audit", "-", "+", "COUNT", "1"});
  auto line = broker::to_json_line(event(0));
  line.pop_back();
  CHECK(test::contains(first, "session\nsession-1\nevent\n" + line));
  client->close();
}

TEST_CASE("the audit stream stays bounded by its MAXLEN", "[audit_stream]") {
  RedisServer server;
  boost::asio::io_context io;
  auto client = test::make_client(io, test::tcp_address(server));
  AuditStream stream(client, "fleet:audit", 100, "session-1");
  for (int i = 0; i < 1000; ++i) stream.append(event(i));
  REQUIRE(run_until(io, [&] { return stream.stats().appended == 1000; }));
  // "~" trims by whole nodes (100 entries each by default): never far above the bound.
  CHECK(std::stoi(server.command({"XLEN", "fleet:audit"})) <= 200);
  client->close();
}

TEST_CASE("records the store cannot take are counted as dropped, never waited for", "[audit_stream]") {
  RedisServer server;
  boost::asio::io_context io;
  auto client = test::make_client(io, test::tcp_address(server));
  AuditStream stream(client, "fleet:audit", 100, "session-1", 4);
  server.stop();
  for (int i = 0; i < 10; ++i) stream.append(event(i));
  CHECK(stream.stats().dropped == 6);  // beyond the 4 in flight, at once
  REQUIRE(run_until(io, [&] { return stream.stats().dropped == 10; }));
  CHECK(stream.stats().appended == 0);
  client->close();
}
