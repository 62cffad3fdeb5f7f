// The drain-aware read marks a socket empty after a short read, so the reactor queues the next
// read without trying it. These tests attack the one way that could go wrong — a byte left in
// the socket with no epoll edge to announce it — in each order bytes, reads and the event
// loop's polls can come in; a read that hangs fails its test by the event loop's deadline.

#include "broker/drain_aware_read.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <optional>
#include <string>

using namespace saferun::broker;
namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

struct SocketPair {
  asio::io_context io;
  tcp::socket reader{io};
  tcp::socket writer{io};

  SocketPair() {
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    writer.connect(acceptor.local_endpoint());
    acceptor.accept(reader);
  }

  void send(const std::string& bytes) { asio::write(writer, asio::buffer(bytes)); }

  struct Read {
    boost::system::error_code ec;
    std::string bytes;
  };

  // One drain-aware read of at most `room` bytes, run to completion (or the deadline).
  std::optional<Read> read(std::size_t room) {
    std::string space(room, '\0');
    std::optional<Read> result;
    drain_aware_read_some(reader, asio::buffer(space), [&](boost::system::error_code ec, std::size_t n) {
      result = Read{ec, space.substr(0, n)};
    });
    run_until([&] { return result.has_value(); });
    return result;
  }

  template <class Done>
  void run_until(Done done) {
    io.restart();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while (!done() && std::chrono::steady_clock::now() < deadline) io.run_one_for(std::chrono::milliseconds(50));
  }

  // Lets the reactor poll epoll while no read waits on the reader: it takes the socket's edge.
  void let_the_reactor_poll() {
    asio::steady_timer timer(io, std::chrono::milliseconds(30));
    bool fired = false;
    timer.async_wait([&](boost::system::error_code) { fired = true; });
    run_until([&] { return fired; });
  }
};

}  // namespace

TEST_CASE("a drain-aware read returns the bytes the socket holds", "[drain_aware_read]") {
  SocketPair pair;
  pair.send("hello");
  auto read = pair.read(64);
  REQUIRE(read);
  CHECK_FALSE(read->ec);
  CHECK(read->bytes == "hello");
}

TEST_CASE("after a short read, the next read waits for bytes sent later and gets them", "[drain_aware_read]") {
  SocketPair pair;
  pair.send("first");
  REQUIRE(pair.read(64)->bytes == "first");
  std::string space(64, '\0');
  std::optional<std::string> got;
  drain_aware_read_some(pair.reader, asio::buffer(space), [&](boost::system::error_code ec, std::size_t n) {
    got = ec ? "error: " + ec.message() : space.substr(0, n);
  });
  pair.let_the_reactor_poll();
  CHECK_FALSE(got);  // nothing was sent: the read waits
  pair.send("second");
  pair.run_until([&] { return got.has_value(); });
  REQUIRE(got);
  CHECK(*got == "second");
}

TEST_CASE("after a short read, bytes whose edge the reactor took while no read waited are still read",
          "[drain_aware_read]") {
  SocketPair pair;
  pair.send("first");
  REQUIRE(pair.read(64)->bytes == "first");
  pair.send("second");
  pair.let_the_reactor_poll();  // the edge for "second" arrives with no read queued
  auto read = pair.read(64);
  REQUIRE(read);  // a read queued untried on a lost edge would wait forever
  CHECK(read->bytes == "second");
}

TEST_CASE("after a short read, bytes that arrive before the event loop polls again are read",
          "[drain_aware_read]") {
  SocketPair pair;
  pair.send("first");
  REQUIRE(pair.read(64)->bytes == "first");
  pair.send("second");  // its edge is still pending in epoll
  auto read = pair.read(64);
  REQUIRE(read);
  CHECK(read->bytes == "second");
}

TEST_CASE("a read that fills its room leaves the rest to the next read, with no new edge", "[drain_aware_read]") {
  SocketPair pair;
  pair.send("0123456789");
  pair.let_the_reactor_poll();  // the reactor takes the bytes' only edge before any read
  REQUIRE(pair.read(4)->bytes == "0123");
  pair.let_the_reactor_poll();
  auto rest = pair.read(64);
  REQUIRE(rest);
  CHECK(rest->bytes == "456789");
}

TEST_CASE("after a short drain-aware read, Asio's own read waits for and gets the next bytes",
          "[drain_aware_read]") {
  SocketPair pair;
  pair.send("head part");
  REQUIRE(pair.read(64)->bytes == "head part");
  std::string space(64, '\0');
  std::optional<std::string> got;
  pair.reader.async_read_some(asio::buffer(space), [&](boost::system::error_code ec, std::size_t n) {
    got = ec ? "error: " + ec.message() : space.substr(0, n);
  });
  pair.let_the_reactor_poll();
  CHECK_FALSE(got);
  pair.send(" and the rest");
  pair.run_until([&] { return got.has_value(); });
  REQUIRE(got);
  CHECK(*got == " and the rest");
}

TEST_CASE("a drain-aware read reports the peer's end of stream", "[drain_aware_read]") {
  SocketPair pair;
  pair.send("last");
  REQUIRE(pair.read(64)->bytes == "last");
  pair.writer.shutdown(tcp::socket::shutdown_send);
  auto end = pair.read(64);
  REQUIRE(end);
  CHECK(end->ec == asio::error::eof);
  CHECK(end->bytes.empty());
}

TEST_CASE("a waiting drain-aware read completes with operation_aborted when its socket closes",
          "[drain_aware_read]") {
  SocketPair pair;
  std::string space(64, '\0');
  std::optional<boost::system::error_code> result;
  drain_aware_read_some(pair.reader, asio::buffer(space),
                        [&](boost::system::error_code ec, std::size_t) { result = ec; });
  pair.let_the_reactor_poll();
  REQUIRE_FALSE(result);
  pair.reader.close();
  pair.run_until([&] { return result.has_value(); });
  REQUIRE(result);
  CHECK(*result == asio::error::operation_aborted);
}

TEST_CASE("a drain-aware read still pending when its event loop is destroyed frees its handler",
          "[drain_aware_read]") {
  auto owned = std::make_shared<int>(7);
  std::weak_ptr<int> watch = owned;
  {
    SocketPair pair;
    std::string space(64, '\0');
    drain_aware_read_some(pair.reader, asio::buffer(space), [owned = std::move(owned)](boost::system::error_code, std::size_t) {});
    pair.let_the_reactor_poll();
  }
  CHECK(watch.expired());
}
