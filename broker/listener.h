#pragma once
// The broker's listening socket on 127.0.0.1 and its accept loop.
//
// The socket is made by hand rather than by asio's acceptor because asio creates and accepts
// sockets without SOCK_CLOEXEC; ours carry it from the first instant, so no exec can inherit
// one. Accepting pauses while max_connections are open: the kernel backlog queues the rest.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <memory>

#include "broker/broker_context.h"

namespace saferun::broker {

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(boost::asio::io_context& io, std::shared_ptr<BrokerContext> context);

  // Binds 127.0.0.1:0 and listens; returns the port the kernel chose. Throws std::system_error.
  std::uint16_t bind_loopback();
  void start();
  void stop();

 private:
  void wait_for_client();
  void accept_ready();
  bool at_capacity() const;

  boost::asio::io_context& io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::shared_ptr<BrokerContext> context_;
  bool waiting_ = false;
  bool stopped_ = false;
};

}  // namespace saferun::broker
