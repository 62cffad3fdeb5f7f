// peer_uid_bench: what the broker's "only the session's user" check costs per accepted
// connection. Connects to a loopback listener N times and times, per connection: accept4 alone;
// the check as first built (loopback_peer_uid: getsockname, getpeername, a netlink socket made,
// asked and closed); and as the listener does it now (PeerUidLookup: one kept netlink socket,
// endpoints from accept4 — a request and its answer). Prints microseconds per connection.
//   peer-uid-bench [connections per round, default 5000]

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>

#include "broker/peer_uid.h"

namespace {

using Clock = std::chrono::steady_clock;
using saferun::broker::PeerUidLookup;

// Connects, accepts and runs `check` on the accepted fd `rounds` times; µs per check.
double us_per_accept(int listener, const sockaddr_in& address, int rounds,
                     const std::function<bool(int, const sockaddr_in&)>& check, int& refused) {
  double total = 0;
  for (int i = 0; i < rounds; ++i) {
    int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (::connect(client, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) std::abort();
    sockaddr_in peer{};
    socklen_t length = sizeof peer;
    auto start = Clock::now();
    int fd = ::accept4(listener, reinterpret_cast<sockaddr*>(&peer), &length, SOCK_CLOEXEC);
    if (!check(fd, peer)) ++refused;
    total += std::chrono::duration<double, std::micro>(Clock::now() - start).count();
    ::close(fd);
    ::close(client);
  }
  return total / rounds;
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = argc > 1 ? std::atoi(argv[1]) : 5000;
  int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(listener, 4096) != 0 ||
      ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) != 0)
    return 1;
  const uid_t me = ::geteuid();
  PeerUidLookup lookup;
  int refused = 0;
  auto none = [](int, const sockaddr_in&) { return true; };
  auto per_connection = [me](int fd, const sockaddr_in&) { return saferun::broker::loopback_peer_uid(fd) == me; };
  auto kept = [&](int, const sockaddr_in& peer) { return lookup.uid_of(peer, address) == me; };
  us_per_accept(listener, address, rounds / 10, kept, refused);  // warm-up
  refused = 0;
  double a = us_per_accept(listener, address, rounds, none, refused);
  double b = us_per_accept(listener, address, rounds, per_connection, refused);
  double c = us_per_accept(listener, address, rounds, kept, refused);
  std::printf("connections per case: %d (own uid not found: %d)\n", rounds, refused);
  std::printf("accept4 alone:                         %6.2f us\n", a);
  std::printf("accept4 + check, socket per connection: %6.2f us (+%.2f)\n", b, b - a);
  std::printf("accept4 + check, kept netlink socket:   %6.2f us (+%.2f)\n", c, c - a);
  return refused == 0 ? 0 : 1;
}
