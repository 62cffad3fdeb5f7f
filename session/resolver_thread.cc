#include "session/resolver_thread.h"

#include <pthread.h>

#include <boost/asio/ip/tcp.hpp>
#include <csignal>

namespace saferun::session {

void start_resolver_thread(boost::asio::io_context& io) {
  sigset_t all;
  sigset_t previous;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &previous);
  {
    // Numeric: nothing is looked up; the first async_resolve is what starts the thread. The
    // resolver's end cancels it; its handler runs on the loop and does nothing.
    boost::asio::ip::tcp::resolver resolver(io);
    resolver.async_resolve("127.0.0.1", "0",
                           boost::asio::ip::resolver_base::numeric_host | boost::asio::ip::resolver_base::numeric_service,
                           [](const boost::system::error_code&, const boost::asio::ip::tcp::resolver::results_type&) {});
  }
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

}  // namespace saferun::session
