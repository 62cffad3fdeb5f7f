#pragma once
// A read of a plain TCP socket that tells Asio's epoll reactor when it emptied the socket, so
// the next read waits for the socket's next edge instead of trying first and failing.
//
// Asio 1.74 tries every read before it waits (a "speculative" read). On a socket that was just
// emptied the try fails with EAGAIN: one wasted `recvfrom` each time the broker waits for a
// client's next request (the read that also watches for the client going away). The reactor
// skips the try only after a read that reports the socket exhausted, which its own reads report
// only at the end of the stream. nginx's rule is the one used here: a read that returns fewer
// bytes than it had room for emptied the socket (TCP's receive copies all it holds, up to the
// room given), and every byte that arrives later raises a new epoll edge. The reactor then
// queues the socket's next read — whoever issues it — without trying it, and sets its flag back
// the moment an edge arrives while no read waits, so no edge is lost and no byte left unread.
//
// What the rule does not know: the peer's end of stream (FIN) that arrived together with the
// bytes read short, under the same edge. nginx learns it from EPOLLRDHUP, which Asio neither
// asks for nor passes to operations; here it is seen only at the socket's next edge. So use it
// only where such an end may wait for a timeout: the client's keep-alive read (the connection's
// head and body deadlines close it), not an upstream answer that runs to the upstream's close.
//
// Needs the reactor's internals: built for Boost 1.74's epoll reactor (Debian 12's) and checked
// at compile time; elsewhere it is Asio's plain async_read_some.

#include <boost/asio/ip/tcp.hpp>
#include <boost/version.hpp>
#include <utility>

#if BOOST_VERSION == 107400 && defined(BOOST_ASIO_HAS_EPOLL) && !defined(BOOST_ASIO_HAS_IOCP)
#define SAFERUN_DRAIN_AWARE_READ 1
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

#if SAFERUN_DRAIN_AWARE_READ
namespace drain_aware_detail {

namespace ad = boost::asio::detail;

template <class Handler, class IoExecutor>
class RecvOp : public ad::reactor_op {
 public:
  BOOST_ASIO_DEFINE_HANDLER_PTR(RecvOp);

  RecvOp(ad::socket_type socket, boost::asio::mutable_buffer space, Handler& handler, const IoExecutor& io_ex)
      : ad::reactor_op(boost::system::error_code(), &RecvOp::do_perform, &RecvOp::do_complete),
        socket_(socket),
        space_(space),
        handler_(std::move(handler)),
        work_(handler_, io_ex) {}

  static status do_perform(ad::reactor_op* base) {
    auto* o = static_cast<RecvOp*>(base);
    if (!ad::socket_ops::non_blocking_recv1(o->socket_, o->space_.data(), o->space_.size(), 0, true, o->ec_,
                                            o->bytes_transferred_))
      return not_done;
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

}  // namespace drain_aware_detail
#endif

// As socket.async_read_some(space, handler) for a handler taking (error_code, std::size_t);
// `space` must not be empty.
template <class Handler>
void drain_aware_read_some(boost::asio::ip::tcp::socket& socket, boost::asio::mutable_buffer space,
                           Handler&& handler) {
#if SAFERUN_DRAIN_AWARE_READ
  namespace ad = boost::asio::detail;
  using IoExecutor = boost::asio::ip::tcp::socket::executor_type;
  using Op = drain_aware_detail::RecvOp<std::decay_t<Handler>, IoExecutor>;
  auto& io_object = socket.*drain_aware_detail::SocketAccess::implementation();
  auto& impl = io_object.get_implementation();
  boost::system::error_code ec;
  if (space.size() > 0 &&
      ((impl.state_ & ad::socket_ops::non_blocking) ||
       ad::socket_ops::set_internal_non_blocking(impl.socket_, impl.state_, true, ec))) {
    auto& reactor = boost::asio::use_service<ad::reactor>(
        boost::asio::query(socket.get_executor(), boost::asio::execution::context));
    bool is_continuation = boost_asio_handler_cont_helpers::is_continuation(handler);
    typename Op::ptr p = {boost::asio::detail::addressof(handler), Op::ptr::allocate(handler), nullptr};
    p.p = new (p.v) Op(impl.socket_, space, handler, io_object.get_executor());
    reactor.start_op(ad::reactor::read_op, impl.socket_, impl.reactor_data_, p.p, is_continuation, true);
    p.v = p.p = nullptr;
    return;
  }
#endif
  socket.async_read_some(space, std::forward<Handler>(handler));
}

}  // namespace saferun::broker
