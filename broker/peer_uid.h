#pragma once
// The uid that owns the other end of an accepted loopback TCP connection. TCP has no
// SO_PEERCRED, but on loopback the client's socket is a socket of this very kernel: the
// NETLINK sock_diag interface (inet_diag) looks it up by its 4-tuple and reports its owner.
// /proc/net/tcp is the fallback where sock_diag is unavailable. The listener refuses any
// other user's connection before reading a byte of it.

#include <sys/types.h>

#include <optional>

namespace saferun::broker {

// nullopt when the owner cannot be found (the caller then refuses the connection).
std::optional<uid_t> loopback_peer_uid(int connected_fd);

}  // namespace saferun::broker
