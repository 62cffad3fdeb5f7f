#include "tests/support/redis_server.h"

#include <arpa/inet.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <thread>

#include "tests/support/test_ca.h"

namespace saferun::test {
namespace {

using Context = std::unique_ptr<redisContext, decltype(&redisFree)>;

std::string reply_text(const redisReply* reply) {
  switch (reply->type) {
    case REDIS_REPLY_INTEGER: return std::to_string(reply->integer);
    case REDIS_REPLY_NIL: return "(nil)";
    case REDIS_REPLY_ARRAY: {
      std::string text;
      for (std::size_t i = 0; i < reply->elements; ++i) text += (i ? "\n" : "") + reply_text(reply->element[i]);
      return text;
    }
    default: return std::string(reply->str, reply->len);
  }
}

std::string run(redisContext* context, const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  for (const auto& arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  auto* reply = static_cast<redisReply*>(
      redisCommandArgv(context, static_cast<int>(argv.size()), argv.data(), lengths.data()));
  if (reply == nullptr) throw std::runtime_error("redis: no reply");
  auto text = reply_text(reply);
  freeReplyObject(reply);
  return text;
}

// Debian installs it in /usr/bin; PATH decides elsewhere.
std::string redis_server_binary() {
  for (const char* dir : {"/usr/bin", "/usr/local/bin", "/usr/sbin"}) {
    auto path = std::string(dir) + "/redis-server";
    if (::access(path.c_str(), X_OK) == 0) return path;
  }
  throw std::runtime_error("redis-server not found: install Debian's redis-server package");
}

}  // namespace

int free_tcp_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0)
    throw std::runtime_error("free_tcp_port: bind failed");
  ::close(fd);
  return ntohs(address.sin_port);
}

RedisServer::RedisServer(RedisServerOptions options) : options_(std::move(options)) {
  port_ = free_tcp_port();
  socket_ = dir_.path() + "/redis.sock";
  if (options_.tls) {
    tls_port_ = free_tcp_port();
    auto certificates = make_test_certificates(dir_.path());
    if (certificates.ca_file != ca_file()) throw std::runtime_error("test CA written elsewhere");
  }
  start();
}

RedisServer::~RedisServer() { stop(); }

void RedisServer::start() {
  std::vector<std::string> argv{redis_server_binary(), "--port", std::to_string(port_), "--bind", "127.0.0.1 127.0.0.2",
                                "--unixsocket", socket_, "--unixsocketperm", "700", "--save", "",
                                "--appendonly", "no", "--dir", dir_.path(), "--logfile", dir_.path() + "/redis.log",
                                "--daemonize", "no"};
  if (!options_.password.empty()) argv.insert(argv.end(), {"--requirepass", options_.password});
  if (options_.tls) {
    argv.insert(argv.end(), {"--tls-port", std::to_string(tls_port_), "--tls-cert-file",
                             dir_.path() + "/server.pem", "--tls-key-file", dir_.path() + "/server-key.pem",
                             "--tls-ca-cert-file", ca_file(), "--tls-auth-clients", "no"});
  }
  process_ = std::make_unique<Process>(argv, base_env());
  wait_ready();
}

void RedisServer::stop() {
  if (!process_) return;
  ::kill(process_->pid(), SIGCONT);
  ::kill(process_->pid(), SIGKILL);
  process_->finish(std::chrono::seconds(5));
  process_.reset();
  ::unlink(socket_.c_str());
}

void RedisServer::pause() { ::kill(process_->pid(), SIGSTOP); }
void RedisServer::resume() { ::kill(process_->pid(), SIGCONT); }

std::string RedisServer::command(const std::vector<std::string>& args) const {
  timeval timeout{2, 0};
  Context context(redisConnectWithTimeout("127.0.0.1", port_, timeout), &redisFree);
  if (!context || context->err) throw std::runtime_error("redis: cannot connect");
  redisSetTimeout(context.get(), timeout);
  if (!options_.password.empty()) run(context.get(), {"AUTH", options_.password});
  return run(context.get(), args);
}

void RedisServer::wait_ready() const {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    try {
      if (command({"PING"}) == "PONG") return;
    } catch (const std::exception&) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw std::runtime_error("redis-server did not start within 10 s");
}

}  // namespace saferun::test
