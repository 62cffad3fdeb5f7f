#include "broker/upstream_pool.h"

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

UpstreamPool::UpstreamPool(asio::io_context& io, std::vector<std::shared_ptr<ssl::context>> tls,
                           std::chrono::seconds connect_timeout)
    : io_(io), tls_(std::move(tls)), connect_timeout_(connect_timeout), idle_(tls_.size()) {}

std::unique_ptr<UpstreamConnection> UpstreamPool::take(std::size_t route_index) {
  auto& idle = idle_.at(route_index);
  const auto now = std::chrono::steady_clock::now();
  while (!idle.empty()) {
    auto connection = std::move(idle.back());  // the most recently used is the likeliest alive
    idle.pop_back();
    if (now - connection->idle_since < kIdleLifetime && connection->still_usable()) {
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
  std::make_shared<Attempt>(io_, route, route_index, tls_.at(route_index), connect_timeout_, handshakes_,
                            std::move(handler))
      ->start();
}

void UpstreamPool::clear() {
  for (auto& idle : idle_) {
    for (auto& connection : idle) connection->close();
    idle.clear();
  }
}

}  // namespace saferun::broker
