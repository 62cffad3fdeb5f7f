#include "broker/ledger/hiredis_asio.h"

#include <hiredis/async.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <memory>

namespace saferun::broker::ledger {
namespace {

namespace asio = boost::asio;

class Watch : public std::enable_shared_from_this<Watch> {
 public:
  Watch(asio::io_context& io, redisAsyncContext* context) : socket_(io, context->c.fd), context_(context) {}

  void add_read() { want(read_, true); }
  void del_read() { read_.wanted = false; }
  void add_write() { want(write_, true); }
  void del_write() { write_.wanted = false; }

  // hiredis is freeing the context: stop touching it and give the socket back unclosed.
  void detach() {
    context_ = nullptr;
    boost::system::error_code ignored;
    socket_.cancel(ignored);
    socket_.release();
  }

 private:
  // One direction of interest: hiredis wants it, and whether a wait is pending for it.
  struct Direction {
    asio::posix::stream_descriptor::wait_type wait;
    void (*handle)(redisAsyncContext*);
    bool wanted = false;
    bool waiting = false;
  };

  void want(Direction& direction, bool wanted) {
    direction.wanted = wanted;
    arm(direction);
  }

  // A wait stays armed while one is pending; its handler re-checks the interest, so turning
  // interest off and on again never stacks two waits.
  void arm(Direction& direction) {
    if (direction.waiting || !direction.wanted || context_ == nullptr) return;
    direction.waiting = true;
    socket_.async_wait(direction.wait, [self = shared_from_this(), &direction](const boost::system::error_code& ec) {
      direction.waiting = false;
      if (ec || self->context_ == nullptr || !direction.wanted) return;
      direction.handle(self->context_);  // may free the context
      self->arm(direction);
    });
  }

  asio::posix::stream_descriptor socket_;
  redisAsyncContext* context_;
  Direction read_{asio::posix::stream_descriptor::wait_read, &redisAsyncHandleRead};
  Direction write_{asio::posix::stream_descriptor::wait_write, &redisAsyncHandleWrite};
};

Watch& watch_of(void* data) { return **static_cast<std::shared_ptr<Watch>*>(data); }

void on_add_read(void* data) { watch_of(data).add_read(); }
void on_del_read(void* data) { watch_of(data).del_read(); }
void on_add_write(void* data) { watch_of(data).add_write(); }
void on_del_write(void* data) { watch_of(data).del_write(); }
void on_cleanup(void* data) {
  auto* holder = static_cast<std::shared_ptr<Watch>*>(data);
  (*holder)->detach();
  delete holder;  // pending handlers still hold the Watch until they run
}

}  // namespace

void attach_to_loop(asio::io_context& io, redisAsyncContext* context) {
  auto* holder = new std::shared_ptr<Watch>(std::make_shared<Watch>(io, context));
  context->ev.data = holder;
  context->ev.addRead = on_add_read;
  context->ev.delRead = on_del_read;
  context->ev.addWrite = on_add_write;
  context->ev.delWrite = on_del_write;
  context->ev.cleanup = on_cleanup;
  // The non-blocking connect completes when the socket becomes writable; hiredis then calls
  // the connect callback from redisAsyncHandleWrite.
  (*holder)->add_write();
}

}  // namespace saferun::broker::ledger
