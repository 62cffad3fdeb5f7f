#pragma once
// Helpers for the ledger tests: run the loop until an answer arrives, with a bound.

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>

#include "broker/ledger/redis_client.h"
#include "tests/support/redis_server.h"

namespace saferun::test {

// Runs `io` until `ready()` or `timeout`; true when ready.
inline bool run_until(boost::asio::io_context& io, const std::function<bool()>& ready,
                      std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!ready() && std::chrono::steady_clock::now() < deadline) {
    io.restart();
    io.run_for(std::chrono::milliseconds(10));
  }
  return ready();
}

inline broker::ledger::StoreAddress tcp_address(const RedisServer& server) {
  broker::ledger::StoreAddress address;
  address.host = "127.0.0.1";
  address.port = server.port();
  return address;
}

inline broker::ledger::StoreAddress unix_address(const RedisServer& server) {
  broker::ledger::StoreAddress address;
  address.kind = broker::ledger::StoreAddress::Kind::unix_socket;
  address.path = server.socket_path();
  return address;
}

inline std::shared_ptr<broker::ledger::RedisClient> make_client(
    boost::asio::io_context& io, broker::ledger::StoreAddress address, const std::string& password = "",
    std::chrono::milliseconds timeout = std::chrono::milliseconds(500)) {
  broker::ledger::RedisClientOptions options;
  options.address = std::move(address);
  options.timeout = timeout;
  options.reconnect_delay = std::chrono::milliseconds(50);
  return broker::ledger::RedisClient::create(io, std::move(options), broker::Secret(password));
}

// Sends one command and waits for its result.
inline broker::ledger::RedisResult call(boost::asio::io_context& io, broker::ledger::RedisClient& client,
                                        std::vector<std::string> args) {
  std::optional<broker::ledger::RedisResult> result;
  client.command(std::move(args), [&](broker::ledger::RedisResult r) { result = std::move(r); });
  run_until(io, [&] { return result.has_value(); });
  if (!result) return broker::ledger::RedisResult{false, "test: no completion within 5 s", {}};
  return *result;
}

}  // namespace saferun::test
