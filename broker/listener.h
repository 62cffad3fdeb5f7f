#pragma once
// The broker's listening socket on 127.0.0.1 and its accept loop.
//
// The socket is made by hand rather than by asio's acceptor because asio creates and accepts
// sockets without SOCK_CLOEXEC; ours carry it from the first instant, so no exec can inherit
// one.
//
// Who may take a slot: only the session's own user — another uid's connection is closed
// before a byte of it is read (broker/peer_uid.h). While max_connections are open and more
// clients wait in the accept queue, slots are given up by the rules of broker/slot_fairness.h:
// token-less and idle connections are closed at once, and every answer begun meanwhile closes
// its connection after it — neither idle nor busy keep-alive clients can hold slots against
// queued ones. Out of descriptors (EMFILE), accepting pauses until one closes.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <memory>

#include "broker/broker_context.h"
#include "broker/peer_uid.h"

namespace saferun::broker {

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(boost::asio::io_context& io, std::shared_ptr<BrokerContext> context);

  // Binds 127.0.0.1:0 and listens; returns the port the kernel chose. Throws std::system_error.
  std::uint16_t bind_loopback();
  void start();
  void stop();
  void on_handler_error(const char* what) noexcept;

 private:
  void wait_for_client();
  bool accept_ready();
  bool at_capacity() const;
  bool make_room();
  std::size_t accept_queue_length();
  bool admit(const sockaddr_in& peer);
  void say_once(bool& said, const char* text);

  boost::asio::io_context& io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::shared_ptr<BrokerContext> context_;
  sockaddr_in local_{};      // 127.0.0.1:<port>, every accepted connection's local end
  PeerUidLookup peer_uids_;
  bool waiting_ = false;
  bool stopped_ = false;
  bool said_fd_limit_ = false;
  bool said_foreign_uid_ = false;
};

}  // namespace saferun::broker
