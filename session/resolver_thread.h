#pragma once
// Asio resolves host names on a thread of its own, started by the first async_resolve with a
// plain pthread_create: it inherits the calling thread's signal mask. Started before the
// session blocks the signals it relays (a store named by host, or any TLS store, is resolved
// while it is checked), it would leave SIGINT and SIGTERM unblocked in that thread, which then
// takes them with their default action: safe-run ends at once and the child is never told.
//
// start_resolver_thread() starts it now with every signal blocked, so it never takes one; the
// store check itself then runs with signals as they were (a Ctrl-C still interrupts a slow one).

#include <boost/asio/io_context.hpp>

namespace saferun::session {

void start_resolver_thread(boost::asio::io_context& io);

}  // namespace saferun::session
