#pragma once
// Reads of a plain TCP socket that spare Asio's epoll reactor a failed try.
//
// Asio 1.74 tries every read before it waits (a "speculative" read). On a socket that was just
// emptied, or whose peer has not answered yet, the try fails with EAGAIN: a wasted `recvfrom`
// each time the broker waits for a client's next request and each time it waits for an
// upstream's answer — 1.9 of its 6.0 system calls per small request. The reads here are Asio's
// receive operation with a different first step; the rest (completion, cancellation, close,
// the handler's allocator and executor) is Asio's own.
//
// read_some_reporting_drain: a read that returns fewer bytes than it had room for reports the
// socket exhausted — nginx's ready rule: TCP's receive copies all it holds, up to the room
// given, and every byte that arrives later raises a new epoll edge. The reactor then queues the
// socket's next read, whoever issues it, without trying it, and sets its flag back the moment
// an edge arrives while no read waits: no edge is lost, no byte left unread. What the rule does
// not know, two things that came under the same edge as the bytes read short: the peer's end of
// stream (FIN) — nginx learns it from EPOLLRDHUP, which Asio neither asks for nor passes to
// operations — and bytes past a TCP urgent mark (MSG_OOB: the receive stops short at the mark).
// Both are seen at the socket's next edge only. So it suits a read whose peer may wait for a
// deadline if it does either (the client's keep-alive read), not one that must see the end.
//
// read_some_untried: queued without the try, and reporting as Asio does. Only where nothing
// can be in the socket unannounced: in the same handler that wrote a request whole without
// waiting, before the event loop polls again — bytes and ends that arrive later raise an edge
// the queued read takes. (A connection whose end came while it sat idle gets a reset in return
// for the request, and that is an edge too; one that only half-closed and still reads is seen
// when it answers or at the upstream deadline.)
//
// read_some_untried_reporting_drain: both — for a socket its caller just found drained with a
// short read of its own, in the same handler (the reactor, which did not see that read, would
// try). The drain rule's blind spots are the first read's too.
//
// All need the reactor's internals: built for Boost 1.74's epoll reactor (Debian 12's) and
// checked at compile time; elsewhere they are Asio's plain async_read_some. The reasoning above
// assumes the socket's event loop runs on one thread, as the broker's does.

#include <boost/asio/ip/tcp.hpp>
#include <boost/version.hpp>
#include <utility>

#if BOOST_VERSION == 107400 && defined(BOOST_ASIO_HAS_EPOLL) && !defined(BOOST_ASIO_HAS_IOCP)
#define SAFERUN_REACTOR_READ 1
#include <boost/asio/detail/fenced_block.hpp>
#include <boost/asio/detail/handler_alloc_helpers.hpp>
#include <boost/asio/detail/handler_cont_helpers.hpp>
#include <boost/asio/detail/handler_work.hpp>
#include <boost/asio/detail/reactor.hpp>
#include <boost/asio/detail/reactor_op.hpp>
#include <boost/asio/detail/socket_ops.hpp>
#include <boost/asio/execution/context.hpp>
#include <boost/asio/query.hpp>
#endif

namespace saferun::broker {

#if SAFERUN_REACTOR_READ
namespace reactor_read_detail {

namespace ad = boost::asio::detail;

enum class FirstStep { try_it, queue_untried };
enum class ShortRead { as_asio, drains };  // what a read that fills less than its room reports

template <class Handler, class IoExecutor>
class RecvOp : public ad::reactor_op {
 public:
  BOOST_ASIO_DEFINE_HANDLER_PTR(RecvOp);

  RecvOp(FirstStep first, ShortRead short_read, ad::socket_type socket, boost::asio::mutable_buffer space,
         Handler& handler, const IoExecutor& io_ex)
      : ad::reactor_op(boost::system::error_code(), &RecvOp::do_perform, &RecvOp::do_complete),
        first_(first),
        short_read_(short_read),
        socket_(socket),
        space_(space),
        handler_(std::move(handler)),
        work_(handler_, io_ex) {}

  // The operation the reactor is starting on this thread: a perform() of it then is the try.
  static inline thread_local const ad::reactor_op* starting = nullptr;

  static status do_perform(ad::reactor_op* base) {
    auto* o = static_cast<RecvOp*>(base);
    if (o->first_ == FirstStep::queue_untried && starting == o) return not_done;
    if (!ad::socket_ops::non_blocking_recv1(o->socket_, o->space_.data(), o->space_.size(), 0, true, o->ec_,
                                            o->bytes_transferred_))
      return not_done;
    if (o->short_read_ == ShortRead::as_asio) return o->bytes_transferred_ == 0 ? done_and_exhausted : done;
    // Short (or failed, or the end): nothing is left to read until the socket's next edge.
    return o->ec_ || o->bytes_transferred_ < o->space_.size() ? done_and_exhausted : done;
  }

  // As Asio's own receive operation completes.
  static void do_complete(void* owner, ad::operation* base, const boost::system::error_code&, std::size_t) {
    auto* o = static_cast<RecvOp*>(base);
    ptr p = {boost::asio::detail::addressof(o->handler_), o, o};
    ad::handler_work<Handler, IoExecutor> work(std::move(o->work_));
    ad::binder2<Handler, boost::system::error_code, std::size_t> bound(o->handler_, o->ec_, o->bytes_transferred_);
    p.h = boost::asio::detail::addressof(bound.handler_);
    p.reset();
    if (owner) {
      ad::fenced_block block(ad::fenced_block::half);
      work.complete(bound, bound.handler_);
    }
  }

 private:
  FirstStep first_;
  ShortRead short_read_;
  ad::socket_type socket_;
  boost::asio::mutable_buffer space_;
  Handler handler_;
  ad::handler_work<Handler, IoExecutor> work_;
};

// The socket's implementation is a protected member: named through a derived class, which
// C++ allows for a pointer to member.
struct SocketAccess : boost::asio::ip::tcp::socket {
  static auto implementation() { return &SocketAccess::impl_; }
};

// The reactor an open socket is registered with, as its descriptor state records it
// (reactor_read.cc), rather than the context's looked up in its service registry — a mutex and
// a walk of the registry's list on every read. Only for a socket start() found open: one never
// opened has no descriptor state, not even a null one (Asio leaves the pointer unset); the
// lookup stays as a fallback for a null state.
ad::reactor* registered_reactor(ad::reactor::per_descriptor_data state);

inline ad::reactor& reactor_of(ad::reactor::per_descriptor_data state, boost::asio::ip::tcp::socket& socket) {
  if (auto* reactor = registered_reactor(state)) return *reactor;
  return boost::asio::use_service<ad::reactor>(boost::asio::query(socket.get_executor(), boost::asio::execution::context));
}

template <class Handler>
void start(FirstStep first, ShortRead short_read, boost::asio::ip::tcp::socket& socket,
           boost::asio::mutable_buffer space, Handler&& handler) {
  using IoExecutor = boost::asio::ip::tcp::socket::executor_type;
  using Op = RecvOp<std::decay_t<Handler>, IoExecutor>;
  auto& io_object = socket.*SocketAccess::implementation();
  auto& impl = io_object.get_implementation();
  boost::system::error_code ec;
  if (space.size() == 0 || (!(impl.state_ & ad::socket_ops::non_blocking) &&
                            !ad::socket_ops::set_internal_non_blocking(impl.socket_, impl.state_, true, ec)))
    return socket.async_read_some(space, std::forward<Handler>(handler));
  auto& reactor = reactor_of(impl.reactor_data_, socket);
  bool is_continuation = boost_asio_handler_cont_helpers::is_continuation(handler);
  typename Op::ptr p = {boost::asio::detail::addressof(handler), Op::ptr::allocate(handler), nullptr};
  p.p = new (p.v) Op(first, short_read, impl.socket_, space, handler, io_object.get_executor());
  Op::starting = p.p;  // not touched after start_op: another thread may complete it by then
  reactor.start_op(ad::reactor::read_op, impl.socket_, impl.reactor_data_, p.p, is_continuation, true);
  Op::starting = nullptr;
  p.v = p.p = nullptr;
}

}  // namespace reactor_read_detail
#endif

namespace reactor_read_detail {
#if !SAFERUN_REACTOR_READ
enum class FirstStep { try_it, queue_untried };
enum class ShortRead { as_asio, drains };
template <class Handler>
void start(FirstStep, ShortRead, boost::asio::ip::tcp::socket& socket, boost::asio::mutable_buffer space,
           Handler&& handler) {
  socket.async_read_some(space, std::forward<Handler>(handler));
}
#endif
}  // namespace reactor_read_detail

// As socket.async_read_some(space, handler), for a handler taking (error_code, std::size_t).
template <class Handler>
void read_some_reporting_drain(boost::asio::ip::tcp::socket& socket, boost::asio::mutable_buffer space,
                               Handler&& handler) {
  reactor_read_detail::start(reactor_read_detail::FirstStep::try_it, reactor_read_detail::ShortRead::drains, socket,
                             space, std::forward<Handler>(handler));
}

// As socket.async_read_some(space, handler), without the first try; see above for where.
template <class Handler>
void read_some_untried(boost::asio::ip::tcp::socket& socket, boost::asio::mutable_buffer space, Handler&& handler) {
  reactor_read_detail::start(reactor_read_detail::FirstStep::queue_untried, reactor_read_detail::ShortRead::as_asio,
                             socket, space, std::forward<Handler>(handler));
}

// As read_some_reporting_drain, without the first try; see above for where.
template <class Handler>
void read_some_untried_reporting_drain(boost::asio::ip::tcp::socket& socket, boost::asio::mutable_buffer space,
                                       Handler&& handler) {
  reactor_read_detail::start(reactor_read_detail::FirstStep::queue_untried, reactor_read_detail::ShortRead::drains,
                             socket, space, std::forward<Handler>(handler));
}

}  // namespace saferun::broker
