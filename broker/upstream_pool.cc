#include "broker/upstream_pool.h"

#include "broker/tls_context.h"

#include <arpa/inet.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/ssl/host_name_verification.hpp>

namespace saferun::broker {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = asio::ssl;
using asio::ip::tcp;

namespace {

bool is_ip_literal(const std::string& host) {
  unsigned char ignored[16];
  return ::inet_pton(AF_INET, host.c_str(), ignored) == 1 || ::inet_pton(AF_INET6, host.c_str(), ignored) == 1;
}

// SNI for names (never for IP literals), and the name or address the certificate must match.
bool prepare_tls(TlsUpstream& stream, const std::string& host) {
  SSL* ssl_handle = stream.native_handle();
  if (is_ip_literal(host)) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl_handle);
    return X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) == 1;
  }
  if (SSL_set_tlsext_host_name(ssl_handle, host.c_str()) != 1) return false;
  stream.set_verify_callback(ssl::host_name_verification(host));
  return true;
}

// One connection_ attempt; owned by the shared_ptr its pending handler_ holds.
struct Attempt : std::enable_shared_from_this<Attempt> {
  Attempt(asio::io_context& io, const Route& route, std::size_t index, std::shared_ptr<ssl::context> tls_context,
          std::chrono::seconds timeout, std::uint64_t& handshakes, UpstreamPool::ConnectHandler done)
      : io_(io), resolver_(io), host_(route.upstream.host), port_(std::to_string(route.upstream.port)),
        tls_(std::move(tls_context)), timeout_(timeout), handshakes_(handshakes), handler_(std::move(done)) {
    connection_ = std::make_unique<UpstreamConnection>();
    connection_->route_index = index;
  }

  void start() {
    resolver_.async_resolve(host_, port_, [self = shared_from_this()](auto ec, tcp::resolver::results_type results) {
      if (ec) return self->fail(ConnectFailure::refused, "cannot resolve the upstream host");
      self->connect(results);
    });
  }

  void connect(const tcp::resolver::results_type& results) {
    if (tls_) {
      connection_->stream = std::make_unique<TlsUpstream>(io_, *tls_);
    } else {
      connection_->stream = std::make_unique<PlainUpstream>(io_);
    }
    connection_->tcp().expires_after(timeout_);
    connection_->tcp().async_connect(results, [self = shared_from_this()](auto ec, auto) {
      if (ec == beast::error::timeout) return self->fail(ConnectFailure::timeout, "connecting to the upstream timed out");
      if (ec) return self->fail(ConnectFailure::refused, "cannot connect to the upstream: " + ec.message());
      self->connection_->tcp().socket().set_option(tcp::no_delay(true));
      self->tls_ ? self->handshake() : self->succeed();
    });
  }

  void handshake() {
    auto& stream = *std::get<std::unique_ptr<TlsUpstream>>(connection_->stream);
    if (!prepare_tls(stream, host_)) return fail(ConnectFailure::tls, "cannot set up TLS for the upstream host");
    connection_->tcp().expires_after(timeout_);
    stream.async_handshake(ssl::stream_base::client, [self = shared_from_this()](auto ec) {
      if (ec == beast::error::timeout) return self->fail(ConnectFailure::timeout, "TLS handshake with the upstream timed out");
      if (ec) return self->fail(ConnectFailure::tls, "TLS handshake with the upstream failed: " + ec.message());
      ++self->handshakes_;
      self->succeed();
    });
  }

  void succeed() {
    connection_->tcp().expires_never();
    handler_(ConnectFailure::none, {}, std::move(connection_));
  }

  void fail(ConnectFailure failure, std::string why) { handler_(failure, std::move(why), nullptr); }

  asio::io_context& io_;
  tcp::resolver resolver_;
  std::string host_;
  std::string port_;
  std::shared_ptr<ssl::context> tls_;
  std::chrono::seconds timeout_;
  std::uint64_t& handshakes_;
  UpstreamPool::ConnectHandler handler_;
  std::unique_ptr<UpstreamConnection> connection_;
};

}  // namespace

UpstreamPool::UpstreamPool(asio::io_context& io, const std::vector<ActiveRoute>& routes,
                           std::chrono::seconds connect_timeout)
    : io_(io), tls_(routes.size()), connect_timeout_(connect_timeout), idle_(routes.size()) {}

std::shared_ptr<ssl::context> UpstreamPool::tls_context(const Route& route, std::size_t route_index) {
  if (!route.upstream.tls) return nullptr;
  auto& context = tls_.at(route_index);
  if (!context) context = make_tls_client_context(route.ca_file);
  return context;
}

std::unique_ptr<UpstreamConnection> UpstreamPool::take(std::size_t route_index) {
  auto& idle = idle_.at(route_index);
  const auto now = std::chrono::steady_clock::now();
  while (!idle.empty()) {
    auto connection = std::move(idle.back());  // the most recently used is the likeliest alive
    idle.pop_back();
    const auto idle_for = now - connection->idle_since;
    // A connection put back within the last second is taken as is (a stale one is retried on
    // a fresh connection anyway); older ones are probed first.
    if (idle_for < kIdleLifetime && (idle_for < std::chrono::seconds(1) || connection->still_usable())) {
      connection->reused = true;
      return connection;
    }
    connection->close();
  }
  return nullptr;
}

void UpstreamPool::put(std::unique_ptr<UpstreamConnection> connection) {
  auto& idle = idle_.at(connection->route_index);
  connection->idle_since = std::chrono::steady_clock::now();
  idle.push_back(std::move(connection));
  while (idle.size() > kMaxIdlePerRoute) {
    idle.front()->close();
    idle.pop_front();
  }
}

void UpstreamPool::connect(const Route& route, std::size_t route_index, ConnectHandler handler) {
  ++connects_;
  std::shared_ptr<ssl::context> tls;
  try {
    tls = tls_context(route, route_index);
  } catch (const std::exception&) {
    return handler(ConnectFailure::tls, "cannot load the route's CA file", nullptr);
  }
  std::make_shared<Attempt>(io_, route, route_index, std::move(tls), connect_timeout_, handshakes_, std::move(handler))
      ->start();
}

void UpstreamPool::clear() {
  for (auto& idle : idle_) {
    for (auto& connection : idle) connection->close();
    idle.clear();
  }
}

}  // namespace saferun::broker
