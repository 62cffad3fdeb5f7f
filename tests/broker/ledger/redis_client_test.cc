#include "broker/ledger/redis_client.h"

#include <catch2/catch.hpp>
#include <atomic>
#include <thread>

#include "tests/broker/ledger/ledger_test_support.h"
#include "tests/support/temp_dir.h"

using namespace saferun;
using namespace saferun::broker::ledger;
using saferun::test::call;
using saferun::test::RedisServer;
using saferun::test::run_until;

TEST_CASE("the store client answers over TCP and a Unix socket on the session's loop", "[redis_client]") {
  RedisServer server;
  boost::asio::io_context io;
  for (const auto& address : {test::tcp_address(server), test::unix_address(server)}) {
    auto client = test::make_client(io, address);
    auto result = call(io, *client, {"SET", "greeting", std::string("hello\0world", 11)});
    REQUIRE(result.reached);
    CHECK(result.reply.is_text("OK"));
    auto got = call(io, *client, {"GET", "greeting"});
    CHECK(got.reply.text == std::string("hello\0world", 11));
  }
}

TEST_CASE("a store completion never runs inside the call that started it", "[redis_client]") {
  RedisServer server;
  boost::asio::io_context io;
  auto client = test::make_client(io, test::tcp_address(server));
  bool inside = true;
  int completed = 0;
  client->command({"PING"}, [&](RedisResult) { completed += inside ? 100 : 1; });
  // Also when it fails at once (nothing listens there).
  auto nowhere = test::unix_address(server);
  nowhere.path = server.dir() + "/nothing.sock";
  auto dead = test::make_client(io, nowhere);
  dead->command({"PING"}, [&](RedisResult r) { completed += inside || r.reached ? 100 : 1; });
  inside = false;
  REQUIRE(run_until(io, [&] { return completed >= 2; }));
  CHECK(completed == 2);
}

TEST_CASE("a wrong store password is reported as refused credentials, without the password", "[redis_client]") {
  RedisServer server({"right-password-1234", false});
  boost::asio::io_context io;
  auto wrong = test::make_client(io, test::tcp_address(server), "wrong-password-5678");
  auto result = call(io, *wrong, {"PING"});
  CHECK(wrong->auth_failed());
  CHECK(result.reply.is_error());
  CHECK_FALSE(test::contains(result.reply.text, "wrong-password-5678"));
  auto right = test::make_client(io, test::tcp_address(server), "right-password-1234");
  CHECK(call(io, *right, {"PING"}).reply.is_text("PONG"));
  CHECK_FALSE(right->auth_failed());
}

TEST_CASE("a store that goes away is reported unreachable, then used again when it returns", "[redis_client]") {
  RedisServer server;
  boost::asio::io_context io;
  auto client = test::make_client(io, test::tcp_address(server));
  REQUIRE(call(io, *client, {"PING"}).reached);
  server.stop();
  auto down = call(io, *client, {"PING"});
  CHECK_FALSE(down.reached);
  CHECK_FALSE(down.problem.empty());
  server.start();
  // The first attempts may fall inside the reconnect delay; a bounded number of tries recovers.
  bool recovered = false;
  for (int attempt = 0; attempt < 20 && !recovered; ++attempt) {
    recovered = call(io, *client, {"PING"}).reply.is_text("PONG");
    if (!recovered) run_until(io, [] { return false; }, std::chrono::milliseconds(30));
  }
  CHECK(recovered);
}

TEST_CASE("a store that hangs misses the deadline and is retried after it answers again", "[redis_client]") {
  RedisServer server;
  boost::asio::io_context io;
  auto client = test::make_client(io, test::tcp_address(server), "", std::chrono::milliseconds(200));
  REQUIRE(call(io, *client, {"PING"}).reached);
  server.pause();
  auto started = std::chrono::steady_clock::now();
  auto hung = call(io, *client, {"PING"});
  auto waited = std::chrono::steady_clock::now() - started;
  CHECK_FALSE(hung.reached);
  CHECK(test::contains(hung.problem, "within 200 ms"));
  CHECK(waited < std::chrono::seconds(2));
  server.resume();
  bool recovered = false;
  for (int attempt = 0; attempt < 20 && !recovered; ++attempt) {
    recovered = call(io, *client, {"PING"}).reply.is_text("PONG");
    if (!recovered) run_until(io, [] { return false; }, std::chrono::milliseconds(30));
  }
  CHECK(recovered);
}

namespace {

std::shared_ptr<RedisClient> tls_client(boost::asio::io_context& io, const RedisServer& server,
                                        const test::TempDir& session, const std::string& host,
                                        const std::string& ca_file) {
  RedisClientOptions options;
  options.address.kind = StoreAddress::Kind::tls;
  options.address.host = host;
  options.address.port = server.tls_port();
  options.ca_file = ca_file;
  options.relay_socket = session.path() + "/store-tls.sock";
  options.timeout = std::chrono::milliseconds(1000);
  return RedisClient::create(io, std::move(options), broker::Secret("tls-store-password"));
}

}  // namespace

TEST_CASE("rediss:// verifies the store's certificate against the configured CA", "[redis_client][tls]") {
  RedisServer server({"tls-store-password", true});
  test::TempDir session;
  boost::asio::io_context io;
  auto client = tls_client(io, server, session, "localhost", server.ca_file());
  auto result = call(io, *client, {"SET", "over", "tls"});
  INFO(result.problem);
  REQUIRE(result.reached);
  CHECK(result.reply.is_text("OK"));
  CHECK(server.command({"GET", "over"}) == "tls");
}

TEST_CASE("rediss:// refuses a store whose certificate no trusted CA signed", "[redis_client][tls]") {
  RedisServer server({"tls-store-password", true});
  test::TempDir session;
  boost::asio::io_context io;
  auto client = tls_client(io, server, session, "localhost", "");
  auto result = call(io, *client, {"PING"});
  CHECK_FALSE(result.reached);
  CHECK(test::contains(result.problem, "certificate verify failed"));
}

TEST_CASE("rediss:// refuses a store whose certificate names another host", "[redis_client][tls]") {
  RedisServer server({"tls-store-password", true});
  test::TempDir session;
  boost::asio::io_context io;
  // 127.0.0.2 reaches the same server, but the certificate is for localhost and 127.0.0.1.
  auto client = tls_client(io, server, session, "127.0.0.2", server.ca_file());
  auto result = call(io, *client, {"PING"});
  CHECK_FALSE(result.reached);
  CHECK(test::contains(result.problem, "certificate verify failed"));
}

TEST_CASE("another process cannot use the TLS relay's socket", "[redis_client][tls]") {
  RedisServer server({"tls-store-password", true});
  test::TempDir session;
  boost::asio::io_context io;
  auto client = tls_client(io, server, session, "localhost", server.ca_file());
  REQUIRE(call(io, *client, {"PING"}).reply.is_text("PONG"));
  // Another process (redis-cli) on the relay's socket is closed at once...
  std::optional<test::ProcessResult> relayed;
  std::atomic<bool> finished{false};  // the optional is read only after the thread is joined
  std::thread other([&] {
    relayed = test::run_process({"/usr/bin/redis-cli", "-s", session.path() + "/store-tls.sock", "PING"},
                                test::base_env(), std::chrono::seconds(5));
    finished = true;
  });
  run_until(io, [&] { return finished.load(); }, std::chrono::seconds(6));
  other.join();
  CHECK_FALSE(test::contains(relayed->out, "PONG"));
  CHECK_FALSE(test::contains(relayed->out, "NOAUTH"));
  // ...while the same command reaches a server it is allowed to reach (the negative control).
  auto direct = test::run_process({"/usr/bin/redis-cli", "-s", server.socket_path(), "PING"}, test::base_env(),
                                  std::chrono::seconds(5));
  CHECK(test::contains(direct.out, "NOAUTH"));
}
