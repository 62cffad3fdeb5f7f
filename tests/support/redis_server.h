#pragma once
// A real redis-server (Debian's) for one test: started on a free loopback port and a Unix
// socket in a private directory, optionally with a password and a TLS port whose certificate
// a test CA signed. Stopped (or paused, to play a hung store) and started again on the same
// addresses, so clients can be seen to recover. Killed and its files removed at the end.

#include <memory>
#include <string>
#include <vector>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace saferun::test {

struct RedisServerOptions {
  std::string password;  // "" = no AUTH required
  bool tls = false;      // also serve TLS (test CA in dir()/ca.pem)
};

class RedisServer {
 public:
  explicit RedisServer(RedisServerOptions options = {});
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  int port() const { return port_; }
  int tls_port() const { return tls_port_; }
  const std::string& socket_path() const { return socket_; }
  const std::string& dir() const { return dir_.path(); }
  std::string ca_file() const { return dir_.path() + "/ca.pem"; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_) + "/0"; }

  void stop();   // SIGKILL, as a crash or a lost machine looks
  void start();  // again, same addresses and password, empty data
  void pause();  // SIGSTOP: accepts connections (backlog) but never answers
  void resume();

  // One command over a fresh synchronous connection (AUTH first when there is a password);
  // the reply as text (integers in decimal, arrays joined by '\n', nil as "(nil)").
  std::string command(const std::vector<std::string>& args) const;

 private:
  void wait_ready() const;

  RedisServerOptions options_;
  TempDir dir_;
  int port_ = 0;
  int tls_port_ = 0;
  std::string socket_;
  std::unique_ptr<Process> process_;
};

// A port nobody listens on right now (bound then released).
int free_tcp_port();

}  // namespace saferun::test
