#pragma once
// One connection to the shared store, driven by the session's event loop through hiredis's
// asynchronous API (no thread). Every command has a deadline; a command that misses it
// completes as not reached and the connection is dropped (a store that hangs is a store that
// is down). After the connection is lost, the next command reconnects — at most once per
// `reconnect_delay`, failing fast in between — so the store is used again when it comes back,
// without a restart. AUTH (the password from a secret source) and SELECT go first on every
// new connection.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "broker/ledger/redis_reply.h"
#include "broker/ledger/store_address.h"
#include "broker/secret.h"

struct redisAsyncContext;

namespace saferun::broker::ledger {

class TlsRelay;

struct RedisClientOptions {
  StoreAddress address;
  std::chrono::milliseconds timeout{1000};          // per command, connecting included
  std::chrono::milliseconds reconnect_delay{200};   // between failed connection attempts
  std::size_t max_pending = 4096;                    // commands waiting for an answer
  std::string ca_file;                               // rediss://: extra CA besides the system's
  std::string relay_socket;                          // rediss://: a path in a private 0700 directory
};

class RedisClient : public std::enable_shared_from_this<RedisClient> {
 public:
  using Done = std::function<void(RedisResult)>;

  // `password` may be empty (no AUTH). Throws std::runtime_error when the TLS relay cannot
  // listen or the CA file cannot be loaded.
  static std::shared_ptr<RedisClient> create(boost::asio::io_context& io, RedisClientOptions options,
                                             Secret password);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // Binary-safe arguments. `done` runs exactly once, on the loop, never inside this call —
  // unless close() comes first, after which nothing is called back.
  void command(std::vector<std::string> args, Done done);
  // Drops the connection and every pending command silently.
  void close();

  // The server refused our password (WRONGPASS / no password set): set once AUTH is answered.
  bool auth_failed() const { return auth_failed_; }
  // Why the last command or connection failed (never holds an argument of ours).
  const std::string& last_problem() const { return last_problem_; }
  const StoreAddress& address() const { return options_.address; }
  boost::asio::io_context& io() const { return io_; }

  struct Call;  // one command in flight (public for the C callbacks)

 private:
  RedisClient(boost::asio::io_context& io, RedisClientOptions options, Secret password);

  bool connect();
  void resolve_then_connect();
  bool open_context(const std::string& host_or_path, int port);
  void send_handshake();
  void send(const std::shared_ptr<Call>& call);
  void fail_soon(const std::shared_ptr<Call>& call, std::string problem);
  void flush_waiting();
  void fail_waiting(const std::string& problem);
  void drop(const std::string& problem);
  void start_deadline(const std::shared_ptr<Call>& call);
  std::string connection_problem(const std::string& fallback) const;

  static void on_connect(const redisAsyncContext* context, int status);
  static void on_disconnect(const redisAsyncContext* context, int status);
  static void on_reply(redisAsyncContext* context, void* reply, void* privdata);
  static void on_auth_reply(redisAsyncContext* context, void* reply, void* privdata);

  boost::asio::io_context& io_;
  RedisClientOptions options_;
  Secret password_;
  std::shared_ptr<TlsRelay> relay_;
  redisAsyncContext* context_ = nullptr;
  bool resolving_ = false;
  bool closed_ = false;
  bool auth_failed_ = false;
  std::size_t pending_ = 0;
  std::vector<std::shared_ptr<Call>> waiting_;  // while resolving the host
  std::chrono::steady_clock::time_point next_attempt_{};
  std::string last_problem_;
};

}  // namespace saferun::broker::ledger
