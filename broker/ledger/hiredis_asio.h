#pragma once
// Plugs one hiredis asynchronous context into the session's io_context: hiredis's read/write
// interest (its ev.addRead/delRead/addWrite/delWrite/cleanup hooks) becomes async_wait on a
// stream_descriptor over its socket. No thread: hiredis's reply callbacks run inside these
// wait handlers, on the loop. The descriptor never closes the socket; hiredis does.

#include <boost/asio/io_context.hpp>

struct redisAsyncContext;

namespace saferun::broker::ledger {

// Call once, right after redisAsyncConnect*, before any command. The attachment lives until
// hiredis frees the context (its cleanup hook). Starts watching for the connect to complete.
void attach_to_loop(boost::asio::io_context& io, redisAsyncContext* context);

}  // namespace saferun::broker::ledger
