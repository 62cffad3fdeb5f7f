#pragma once
// The uid that owns the other end of an accepted loopback TCP connection. TCP has no
// SO_PEERCRED, but on loopback the client's socket is a socket of this very kernel: the
// NETLINK sock_diag interface (inet_diag) looks it up by its 4-tuple and reports its owner.
// /proc/net/tcp is the fallback where sock_diag is unavailable. The listener refuses any
// other user's connection before reading a byte of it.
//
// Cost (measured, bench/peer_uid_bench.cc): one lookup is two system calls — a request and
// its answer on one netlink socket kept for the listener's life — with both endpoints taken
// from accept4 and the listener's own address, so no getsockname/getpeername and no socket
// made and closed per connection.

#include <netinet/in.h>
#include <sys/types.h>

#include <cstdint>
#include <optional>

namespace saferun::broker {

class PeerUidLookup {
 public:
  PeerUidLookup();
  ~PeerUidLookup();
  PeerUidLookup(const PeerUidLookup&) = delete;
  PeerUidLookup& operator=(const PeerUidLookup&) = delete;

  // The owner of the client socket `peer` connected to our `local` end; nullopt when it
  // cannot be found (the caller then refuses the connection).
  std::optional<uid_t> uid_of(const sockaddr_in& peer, const sockaddr_in& local);

 private:
  std::optional<uid_t> ask_sock_diag(const sockaddr_in& peer, const sockaddr_in& local);

  int netlink_ = -1;  // -1: sock_diag unavailable, /proc/net/tcp only
  std::uint32_t sequence_ = 0;
};

// The same for a connected socket, both endpoints read from it (one-off callers, tests).
std::optional<uid_t> loopback_peer_uid(int connected_fd);

}  // namespace saferun::broker
