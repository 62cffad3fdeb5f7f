#pragma once
// Upstream connections per route: made on demand (resolve, connect within the deadline, TLS
// handshake with SNI and host-name verification), kept idle after a clean keep-alive answer,
// and handed out again — so sequential requests share one TLS handshake while concurrent ones
// each get their own connection. Bounded: at most kMaxIdlePerRoute idle per route, each
// dropped after kIdleLifetime or as soon as it is found closed.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <vector>

#include "broker/route.h"
#include "broker/upstream_connection.h"

namespace saferun::broker {

enum class ConnectFailure { none, refused, timeout, tls };

class UpstreamPool {
 public:
  // As many as a busy agent keeps in flight: with 16, 256 concurrent requests made a new
  // upstream connection (resolve on a thread, connect, close) for every other request.
  static constexpr std::size_t kMaxIdlePerRoute = 256;
  static constexpr std::chrono::seconds kIdleLifetime{50};

  using ConnectHandler = std::function<void(ConnectFailure, std::string why, std::unique_ptr<UpstreamConnection>)>;

  // `routes` gives each route's upstream and CA file. A route's TLS context is made on its
  // first connection: loading the system CA store costs tens of milliseconds that a session
  // which never calls that route should not pay at start-up.
  UpstreamPool(boost::asio::io_context& io, const std::vector<ActiveRoute>& routes,
               std::chrono::seconds connect_timeout);

  // An idle, still-open connection to the route's upstream, or nullptr.
  std::unique_ptr<UpstreamConnection> take(std::size_t route_index);
  void put(std::unique_ptr<UpstreamConnection> connection);
  void connect(const Route& route, std::size_t route_index, ConnectHandler handler);
  void clear();

  std::uint64_t handshakes() const { return handshakes_; }
  std::uint64_t connects() const { return connects_; }

 private:
  std::shared_ptr<boost::asio::ssl::context> tls_context(const Route& route, std::size_t route_index);

  boost::asio::io_context& io_;
  std::vector<std::shared_ptr<boost::asio::ssl::context>> tls_;  // per route, made on first use
  std::chrono::seconds connect_timeout_;
  std::vector<std::deque<std::unique_ptr<UpstreamConnection>>> idle_;
  std::uint64_t handshakes_ = 0;
  std::uint64_t connects_ = 0;
};

}  // namespace saferun::broker
