#include "broker/ledger/tls_relay.h"

#include <openssl/ssl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <stdexcept>

#include "broker/tls_context.h"

namespace saferun::broker::ledger {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using local = asio::local::stream_protocol;

struct TlsRelay::Impl {
  Impl(asio::io_context& context, StoreAddress store, std::shared_ptr<ssl::context> tls,
       std::chrono::milliseconds deadline)
      : io(context), acceptor(context), address(std::move(store)), tls_context(std::move(tls)), timeout(deadline) {}
  asio::io_context& io;
  local::acceptor acceptor;
  StoreAddress address;
  std::shared_ptr<ssl::context> tls_context;
  std::chrono::milliseconds timeout;
};

namespace {

// One relayed connection: hiredis's local socket on one side, the verified TLS stream on the other.
class Pipe : public std::enable_shared_from_this<Pipe> {
 public:
  Pipe(std::shared_ptr<TlsRelay> relay, TlsRelay::Impl& impl, local::socket client, std::string& last_error)
      : relay_(std::move(relay)), impl_(impl), client_(std::move(client)), remote_(impl.io, *impl.tls_context),
        resolver_(impl.io), timer_(impl.io), last_error_(last_error) {}

  void start() {
    timer_.expires_after(impl_.timeout);
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec && !self->relaying_) self->fail("no TLS session with the store within the deadline");
    });
    resolver_.async_resolve(impl_.address.host, std::to_string(impl_.address.port),
                            [self = shared_from_this()](const boost::system::error_code& ec,
                                                        asio::ip::tcp::resolver::results_type results) {
                              if (ec) return self->fail("cannot resolve " + self->impl_.address.host + ": " + ec.message());
                              self->connect(results);
                            });
  }

 private:
  std::string where() const { return impl_.address.host + ":" + std::to_string(impl_.address.port); }

  void connect(const asio::ip::tcp::resolver::results_type& results) {
    asio::async_connect(remote_.next_layer(), results,
                        [self = shared_from_this()](const boost::system::error_code& ec, const auto&) {
                          if (ec) return self->fail("cannot connect to " + self->where() + ": " + ec.message());
                          self->handshake();
                        });
  }

  void handshake() {
    const auto& host = impl_.address.host;
    boost::system::error_code not_an_address;
    asio::ip::make_address(host, not_an_address);
    if (not_an_address) SSL_set_tlsext_host_name(remote_.native_handle(), host.c_str());  // SNI for names only
    remote_.set_verify_callback(ssl::host_name_verification(host));
    remote_.async_handshake(ssl::stream_base::client, [self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec) return self->fail("TLS handshake with " + self->where() + ": " + ec.message());
      self->relaying_ = true;
      self->timer_.cancel();
      self->last_error_.clear();
      self->pump(self->client_, self->remote_, self->up_);
      self->pump(self->remote_, self->client_, self->down_);
    });
  }

  // Copies one direction until either side ends; one buffer per direction, one write at a time.
  template <typename From, typename To>
  void pump(From& from, To& to, std::array<char, 16384>& buffer) {
    from.async_read_some(asio::buffer(buffer), [self = shared_from_this(), &from, &to, &buffer](
                                                   const boost::system::error_code& ec, std::size_t n) {
      if (ec) return self->close();
      asio::async_write(to, asio::buffer(buffer.data(), n),
                        [self, &from, &to, &buffer](const boost::system::error_code& written, std::size_t) {
                          if (written) return self->close();
                          self->pump(from, to, buffer);
                        });
    });
  }

  void fail(const std::string& problem) {
    last_error_ = problem;
    close();
  }

  // Closing both sides ends every pending operation; hiredis sees its connection end.
  void close() {
    boost::system::error_code ignored;
    timer_.cancel();
    resolver_.cancel();
    client_.close(ignored);
    remote_.next_layer().close(ignored);
  }

  std::shared_ptr<TlsRelay> relay_;
  TlsRelay::Impl& impl_;
  local::socket client_;
  ssl::stream<asio::ip::tcp::socket> remote_;
  asio::ip::tcp::resolver resolver_;
  asio::steady_timer timer_;
  std::string& last_error_;
  bool relaying_ = false;
  std::array<char, 16384> up_{};
  std::array<char, 16384> down_{};
};

bool peer_is_this_process(local::socket& socket) {
  ucred credentials{};
  socklen_t length = sizeof credentials;
  if (::getsockopt(socket.native_handle(), SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0) return false;
  return credentials.pid == ::getpid();
}

}  // namespace

std::shared_ptr<TlsRelay> TlsRelay::start(asio::io_context& io, const StoreAddress& address,
                                          const std::string& ca_file, const std::string& socket_path,
                                          std::chrono::milliseconds timeout) {
  auto relay = std::shared_ptr<TlsRelay>(new TlsRelay());
  relay->impl_ = std::make_unique<Impl>(io, address, make_tls_client_context(ca_file), timeout);
  relay->socket_path_ = socket_path;
  ::unlink(socket_path.c_str());
  boost::system::error_code ec;
  auto& acceptor = relay->impl_->acceptor;
  acceptor.open(local(), ec);
  if (!ec) acceptor.bind(local::endpoint(socket_path), ec);
  if (!ec && ::chmod(socket_path.c_str(), 0600) != 0) ec.assign(errno, boost::system::system_category());
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error(socket_path + ": cannot listen for the store's TLS relay: " + ec.message());
  relay->accept_next();
  return relay;
}

TlsRelay::~TlsRelay() { stop(); }

void TlsRelay::stop() {
  if (!impl_ || !impl_->acceptor.is_open()) return;
  boost::system::error_code ignored;
  impl_->acceptor.close(ignored);
  ::unlink(socket_path_.c_str());
}

void TlsRelay::accept_next() {
  impl_->acceptor.async_accept([self = shared_from_this()](const boost::system::error_code& ec, local::socket client) {
    if (ec == asio::error::operation_aborted || !self->impl_->acceptor.is_open()) return;
    if (!ec && peer_is_this_process(client))
      std::make_shared<Pipe>(self, *self->impl_, std::move(client), self->last_error_)->start();
    self->accept_next();
  });
}

}  // namespace saferun::broker::ledger
