#include "broker/fd_limit.h"

#include <sys/resource.h>

#include <algorithm>

namespace saferun::broker {
namespace {

// Descriptors kept for everything else: stdio, the listener, signalfd, epoll, the audit
// log, idle upstream connections in the pool, TLS files, the child's pipes.
constexpr std::size_t kReserved = 64;
constexpr std::size_t kPerConnection = 2;

}  // namespace

std::size_t raise_fd_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return limit.rlim_cur == RLIM_INFINITY ? static_cast<std::size_t>(1) << 20 : static_cast<std::size_t>(limit.rlim_cur);
}

std::size_t connections_that_fit(std::size_t wanted, std::size_t fd_limit) {
  if (fd_limit <= kReserved + kPerConnection) return 1;
  return std::max<std::size_t>(1, std::min(wanted, (fd_limit - kReserved) / kPerConnection));
}

}  // namespace saferun::broker
