#include "broker/listener.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <ostream>
#include <system_error>

#include <boost/asio/post.hpp>

#include "broker/connection.h"
#include "broker/guarded_handler.h"

namespace saferun::broker {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

[[noreturn]] void throw_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

int make_loopback_socket(sockaddr_in& address) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) throw_errno("socket");
  address = {};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(fd, SOMAXCONN) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    int saved = errno;
    ::close(fd);
    errno = saved;
    throw_errno("bind 127.0.0.1:0");
  }
  return fd;
}

}  // namespace

Listener::Listener(asio::io_context& io, std::shared_ptr<BrokerContext> context)
    : io_(io), acceptor_(io), context_(std::move(context)) {}

std::uint16_t Listener::bind_loopback() {
  int fd = make_loopback_socket(local_);
  acceptor_.assign(tcp::v4(), fd);
  return ntohs(local_.sin_port);
}

void Listener::start() {
  context_->on_connection_closed = [weak = weak_from_this()] {
    if (auto self = weak.lock(); self && !self->waiting_) self->wait_for_client();
  };
  wait_for_client();
}

void Listener::stop() {
  stopped_ = true;
  context_->on_connection_closed = nullptr;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
}

bool Listener::at_capacity() const {
  return context_->connections.size() >= context_->settings.limits.max_connections;
}

void Listener::on_handler_error(const char* what) noexcept {
  try {
    if (context_->settings.log != nullptr)
      *context_->settings.log << ("safe-run: listener error: " + std::string(what) + "\n") << std::flush;
    waiting_ = false;
    wait_for_client();
  } catch (...) {
  }
}

void Listener::say_once(bool& said, const char* text) {
  if (said || context_->settings.log == nullptr) return;
  said = true;
  *context_->settings.log << ("safe-run: " + std::string(text) + "\n") << std::flush;
}

void Listener::wait_for_client() {
  if (stopped_ || waiting_) return;
  waiting_ = true;
  acceptor_.async_wait(tcp::acceptor::wait_read, guarded(shared_from_this(), [](Listener& self, auto ec) {
                         self.waiting_ = false;
                         if (ec || self.stopped_) return;
                         // At capacity with clients queued, or out of descriptors: the next
                         // closing connection calls wait_for_client again.
                         if (self.accept_ready()) self.wait_for_client();
                       }));
}

// At capacity: while clients are queued, the busy connections yield after their answers and
// one reclaimable connection closes now (broker/slot_fairness.h). True when a client is
// queued — accepting then waits for a connection to close; false to wait for one to arrive.
bool Listener::make_room() {
  bool queued = accept_queue_length() > 0;
  context_->slots.set_clients_waiting(queued);
  if (!queued) return false;
  // Picked a loop turn later: a client just accepted whose request head had already arrived is
  // reading it by then, not idle (picked at once, each accepted client was closed unheard while
  // others kept queueing).
  asio::post(io_, guarded(shared_from_this(), [](Listener& self) {
               if (auto* connection = SlotFairness::pick_to_reclaim(self.context_->connections))
                 connection->close("closed to make room for a waiting client");
             }));
  return true;
}

// Clients the kernel has connected that are not accepted yet (TCP_INFO of a listening socket);
// when it cannot tell, assume one, as the listener did before it asked.
std::size_t Listener::accept_queue_length() {
  tcp_info info{};
  socklen_t length = sizeof info;
  if (::getsockopt(acceptor_.native_handle(), IPPROTO_TCP, TCP_INFO, &info, &length) != 0) return 1;
  return info.tcpi_unacked;
}

// Only the session's own user may connect (see listener.h).
bool Listener::admit(const sockaddr_in& peer) {
  auto uid = peer_uids_.uid_of(peer, local_);
  if (uid && *uid == ::geteuid()) return true;
  say_once(said_foreign_uid_, "refused a connection from another user (only the session's user may connect)");
  return false;
}

// Accepts everything queued, up to the connection limit. False when accepting must wait for
// a connection to close (capacity or descriptors); true to wait for the next client.
bool Listener::accept_ready() {
  while (true) {
    if (at_capacity()) return !make_room();  // a close (reclaimed or yielded) accepts again
    sockaddr_in peer{};
    socklen_t length = sizeof peer;
    int fd = ::accept4(acceptor_.native_handle(), reinterpret_cast<sockaddr*>(&peer), &length,
                       SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0 && (errno == EMFILE || errno == ENFILE)) {
      say_once(said_fd_limit_, "out of file descriptors (EMFILE): new connections wait until one closes");
      return context_->connections.empty();  // nothing will close: keep waiting (and retrying)
    }
    if (fd < 0) {  // EAGAIN, or a client that already left: wait again
      context_->slots.set_clients_waiting(false);
      return true;
    }
    if (!admit(peer)) {
      ::close(fd);
      continue;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    tcp::socket socket(io_);
    boost::system::error_code ec;
    socket.assign(tcp::v4(), fd, ec);
    if (ec) {
      ::close(fd);
      continue;
    }
    std::make_shared<Connection>(std::move(socket), context_)->start();
  }
}

}  // namespace saferun::broker
