#pragma once
// TLS to the store for a client library that has none (hiredis 0.14): hiredis connects to a
// Unix socket in the session's private 0700 directory, and each connection accepted there is
// relayed over an asio::ssl stream to the store, with the server certificate verified like an
// upstream's (system CAs plus an optional CA file, host name checked, SNI sent).
//
// Only this process may use the socket: a peer whose SO_PEERCRED pid is not ours is closed at
// once. Even a peer that got through would gain nothing it cannot do from the network itself:
// the relay adds no credential — the password travels inside the stream, from hiredis.

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "broker/ledger/store_address.h"

namespace saferun::broker::ledger {

class TlsRelay : public std::enable_shared_from_this<TlsRelay> {
 public:
  // Listens on `socket_path` (mode 0600, replacing a stale socket). Throws std::runtime_error
  // naming the path or the CA file.
  static std::shared_ptr<TlsRelay> start(boost::asio::io_context& io, const StoreAddress& address,
                                         const std::string& ca_file, const std::string& socket_path,
                                         std::chrono::milliseconds timeout);
  ~TlsRelay();

  const std::string& socket_path() const { return socket_path_; }
  // Why the last connection to the store failed ("TLS handshake with host:port: certificate
  // verify failed"); "" once one succeeded.
  const std::string& last_error() const { return last_error_; }
  void stop();

  struct Impl;

 private:
  TlsRelay() = default;
  void accept_next();

  std::unique_ptr<Impl> impl_;
  std::string socket_path_;
  std::string last_error_;
};

}  // namespace saferun::broker::ledger
