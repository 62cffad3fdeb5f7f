#pragma once
// File descriptors for the broker: each client slot can hold two (the client's socket and
// its upstream connection), so 512 slots need about 1,030 — past the common soft limit of
// 1,024, where accept() and connect() start failing with EMFILE. The soft limit is raised
// as far as the hard limit allows, and the slots are sized to what fits.

#include <cstddef>

namespace saferun::broker {

// Raises RLIMIT_NOFILE's soft limit to its hard limit; returns the soft limit now in force.
std::size_t raise_fd_limit();

// How many client connections fit in `fd_limit` descriptors, at most `wanted`.
std::size_t connections_that_fit(std::size_t wanted, std::size_t fd_limit);

}  // namespace saferun::broker
