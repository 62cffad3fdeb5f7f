#include "broker/ledger/redis_client.h"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>

#include "broker/ledger/hiredis_asio.h"
#include "broker/ledger/tls_relay.h"

namespace saferun::broker::ledger {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

struct RedisClient::Call {
  Call(std::shared_ptr<RedisClient> owner, std::vector<std::string> arguments, Done callback)
      : client(std::move(owner)), args(std::move(arguments)), done(std::move(callback)), timer(client->io_) {}

  void finish(RedisResult result) {
    if (finished) return;
    finished = true;
    timer.cancel();
    args.clear();
    --client->pending_;
    if (client->closed_) return;
    auto callback = std::move(done);
    callback(std::move(result));
  }

  std::shared_ptr<RedisClient> client;
  std::vector<std::string> args;
  Done done;
  asio::steady_timer timer;
  bool finished = false;
};

namespace {

RedisResult not_reached(std::string problem) { return RedisResult{false, std::move(problem), {}}; }

std::string first_line(std::string text) { return text.substr(0, text.find('\n')); }

}  // namespace

std::shared_ptr<RedisClient> RedisClient::create(asio::io_context& io, RedisClientOptions options, Secret password) {
  auto client = std::shared_ptr<RedisClient>(new RedisClient(io, std::move(options), std::move(password)));
  if (client->options_.address.kind == StoreAddress::Kind::tls)
    client->relay_ = TlsRelay::start(io, client->options_.address, client->options_.ca_file,
                                     client->options_.relay_socket, client->options_.timeout);
  return client;
}

RedisClient::RedisClient(asio::io_context& io, RedisClientOptions options, Secret password)
    : io_(io), options_(std::move(options)), password_(std::move(password)) {}

RedisClient::~RedisClient() { close(); }

void RedisClient::close() {
  closed_ = true;
  waiting_.clear();
  if (relay_) relay_->stop();
  if (context_ != nullptr) {
    auto* context = context_;
    context_ = nullptr;
    context->data = nullptr;
    redisAsyncFree(context);  // pending calls are told, and stay silent (closed_)
  }
}

void RedisClient::command(std::vector<std::string> args, Done done) {
  if (closed_) return;
  auto call = std::make_shared<Call>(shared_from_this(), std::move(args), std::move(done));
  ++pending_;
  if (pending_ > options_.max_pending) return fail_soon(call, "too many commands waiting for the store");
  start_deadline(call);
  if (context_ != nullptr) return send(call);
  if (resolving_) return waiting_.push_back(call);
  if (Clock::now() < next_attempt_) return fail_soon(call, connection_problem("store unreachable"));
  waiting_.push_back(call);
  if (!connect()) fail_waiting(connection_problem("store unreachable"));
}

// Starts a connection; the waiting commands are sent as soon as a context exists.
bool RedisClient::connect() {
  const auto& address = options_.address;
  if (address.kind == StoreAddress::Kind::unix_socket) return open_context(address.path, 0);
  if (address.kind == StoreAddress::Kind::tls) return open_context(relay_->socket_path(), 0);
  boost::system::error_code ec;
  asio::ip::make_address(address.host, ec);
  if (!ec) return open_context(address.host, address.port);
  resolve_then_connect();
  return true;
}

// Host names are resolved on the loop, so a slow DNS never blocks the session.
void RedisClient::resolve_then_connect() {
  resolving_ = true;
  auto resolver = std::make_shared<asio::ip::tcp::resolver>(io_);
  resolver->async_resolve(
      options_.address.host, std::to_string(options_.address.port),
      [self = shared_from_this(), resolver](const boost::system::error_code& ec,
                                            asio::ip::tcp::resolver::results_type results) {
        self->resolving_ = false;
        if (self->closed_) return;
        if (ec || results.empty()) {
          self->last_problem_ = "cannot resolve " + self->options_.address.host + ": " + ec.message();
          self->next_attempt_ = Clock::now() + self->options_.reconnect_delay;
          return self->fail_waiting(self->last_problem_);
        }
        auto ip = results.begin()->endpoint().address().to_string();
        if (!self->open_context(ip, self->options_.address.port)) return self->fail_waiting(self->last_problem_);
      });
}

bool RedisClient::open_context(const std::string& host_or_path, int port) {
  auto* context = port == 0 ? redisAsyncConnectUnix(host_or_path.c_str())
                            : redisAsyncConnect(host_or_path.c_str(), port);
  if (context == nullptr || context->err) {
    last_problem_ = "cannot connect to " + options_.address.display() + ": " +
                    (context ? context->errstr : "out of memory");
    if (context != nullptr) redisAsyncFree(context);
    next_attempt_ = Clock::now() + options_.reconnect_delay;
    return false;
  }
  context->data = this;
  redisAsyncSetConnectCallback(context, &RedisClient::on_connect);
  redisAsyncSetDisconnectCallback(context, &RedisClient::on_disconnect);
  attach_to_loop(io_, context);
  context_ = context;
  send_handshake();
  flush_waiting();
  return true;
}

// AUTH and SELECT lead every connection; hiredis keeps commands in order, so nothing of ours
// can run before them.
void RedisClient::send_handshake() {
  if (!password_.empty()) {
    std::vector<const char*> argv{"AUTH"};
    std::vector<std::size_t> lengths{4};
    if (!options_.address.username.empty()) {
      argv.push_back(options_.address.username.c_str());
      lengths.push_back(options_.address.username.size());
    }
    argv.push_back(password_.reveal().data());  // hiredis copies it into its output buffer
    lengths.push_back(password_.size());
    redisAsyncCommandArgv(context_, &RedisClient::on_auth_reply, nullptr, static_cast<int>(argv.size()),
                          argv.data(), lengths.data());
  }
  if (options_.address.db != 0) {
    auto db = std::to_string(options_.address.db);
    const char* argv[] = {"SELECT", db.c_str()};
    const std::size_t lengths[] = {6, db.size()};
    redisAsyncCommandArgv(context_, &RedisClient::on_auth_reply, nullptr, 2, argv, lengths);
  }
}

void RedisClient::send(const std::shared_ptr<Call>& call) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  for (const auto& arg : call->args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  auto* holder = new std::shared_ptr<Call>(call);
  if (redisAsyncCommandArgv(context_, &RedisClient::on_reply, holder, static_cast<int>(argv.size()), argv.data(),
                            lengths.data()) != REDIS_OK) {
    delete holder;
    return fail_soon(call, connection_problem("connection closing"));
  }
  call->args.clear();  // hiredis has its own copy
}

void RedisClient::fail_soon(const std::shared_ptr<Call>& call, std::string problem) {
  asio::post(io_, [call, problem = std::move(problem)]() mutable { call->finish(not_reached(std::move(problem))); });
}

void RedisClient::flush_waiting() {
  auto waiting = std::move(waiting_);
  waiting_.clear();
  for (auto& call : waiting) {
    if (!call->finished) send(call);
  }
}

void RedisClient::fail_waiting(const std::string& problem) {
  auto waiting = std::move(waiting_);
  waiting_.clear();
  for (auto& call : waiting) fail_soon(call, problem);
}

// A store that misses a deadline is treated as down: the connection goes, and every command
// still waiting on it completes as not reached.
void RedisClient::drop(const std::string& problem) {
  last_problem_ = problem;
  next_attempt_ = Clock::now() + options_.reconnect_delay;
  if (context_ == nullptr) return;
  auto* context = context_;
  context_ = nullptr;
  context->data = nullptr;
  redisAsyncFree(context);
}

void RedisClient::start_deadline(const std::shared_ptr<Call>& call) {
  call->timer.expires_after(options_.timeout);
  call->timer.async_wait([weak = std::weak_ptr<Call>(call)](const boost::system::error_code& ec) {
    auto late = weak.lock();
    if (ec || !late || late->finished) return;
    auto client = late->client;
    auto problem = "the store did not answer within " + std::to_string(client->options_.timeout.count()) + " ms";
    late->finish(not_reached(problem));
    client->drop(client->connection_problem(problem));
  });
}

std::string RedisClient::connection_problem(const std::string& fallback) const {
  if (relay_ && !relay_->last_error().empty()) return relay_->last_error();
  return last_problem_.empty() ? fallback : last_problem_;
}

void RedisClient::on_connect(const redisAsyncContext* context, int status) {
  auto* self = static_cast<RedisClient*>(context->data);
  if (self == nullptr) return;
  if (status == REDIS_OK) {
    self->last_problem_.clear();
    return;
  }
  self->last_problem_ = "cannot connect to " + self->options_.address.display() + ": " + context->errstr;
  self->next_attempt_ = Clock::now() + self->options_.reconnect_delay;
  if (self->context_ == context) self->context_ = nullptr;  // hiredis frees it after this
}

void RedisClient::on_disconnect(const redisAsyncContext* context, int status) {
  auto* self = static_cast<RedisClient*>(context->data);
  if (self == nullptr) return;
  if (status != REDIS_OK)
    self->last_problem_ = "connection to " + self->options_.address.display() + " lost: " + context->errstr;
  if (self->context_ == context) self->context_ = nullptr;
}

void RedisClient::on_reply(redisAsyncContext* /*context*/, void* reply, void* privdata) {
  std::unique_ptr<std::shared_ptr<Call>> holder(static_cast<std::shared_ptr<Call>*>(privdata));
  auto& call = *holder;
  if (reply == nullptr) return call->finish(not_reached(call->client->connection_problem("connection lost")));
  call->finish(RedisResult{true, {}, copy_reply(*static_cast<redisReply*>(reply))});
}

// AUTH and SELECT: a refusal is remembered so that start-up can name it (and exit 125).
void RedisClient::on_auth_reply(redisAsyncContext* context, void* reply, void* /*privdata*/) {
  auto* self = static_cast<RedisClient*>(context->data);
  auto* answer = static_cast<redisReply*>(reply);
  if (self == nullptr || answer == nullptr || answer->type != REDIS_REPLY_ERROR) return;
  self->auth_failed_ = true;
  self->last_problem_ = "the store refused the session's credentials or database: " +
                        first_line(std::string(answer->str, answer->len));
}

}  // namespace saferun::broker::ledger
