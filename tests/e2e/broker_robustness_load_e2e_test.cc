// The broker under load and under attack from other local processes: nothing freezes the
// event loop, another user cannot even connect, trickling and abandoned connections cannot
// starve the session's own agent, and a low file-descriptor limit does not turn into 502s.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <memory>
#include <thread>

#include "tests/e2e/raw_route_session.h"

using namespace saferun::test;

namespace {

constexpr auto kSecond = std::chrono::milliseconds(1000);

// Enough descriptors for the test's own many connections.
void raise_own_fd_limit() {
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &limit);
}

std::string status_request(const std::string& token, bool close) {
  return request_bytes("GET", "/_safe-run/status", {{"x-api-key", token}}, "", close);
}

bool answers_within(std::uint16_t port, const std::string& token, std::chrono::milliseconds budget) {
  auto bytes = http_exchange(port, status_request(token, true), budget);
  auto responses = parse_responses(bytes);
  return responses.size() == 1 && responses[0].status == 200;
}

// As uid 65534 (when root), runs bash with `script`; PORT is in its environment.
std::unique_ptr<Process> as_other_user(std::uint16_t port, const std::string& script) {
  std::vector<std::string> argv;
  if (::geteuid() == 0) argv = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"};
  argv.insert(argv.end(), {"/bin/bash", "-c", script});
  return std::make_unique<Process>(argv, std::vector<std::string>{"PORT=" + std::to_string(port), "PATH=/usr/bin:/bin"});
}

}  // namespace

TEST_CASE("a client that never reads its 100 Continue answers cannot freeze the broker", "[e2e][robustness][load]") {
  LiveSession session({"--dry-run"}, base_env({"ANTHROPIC_API_KEY=" + fake_key()}));
  REQUIRE(session.ready());
  // A tiny receive buffer, so the broker's answers back up at once.
  int attacker = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int small = 2048;
  ::setsockopt(attacker, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(session.port());
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(attacker, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  // Requests with a one-byte body that ask for 100 Continue, pipelined and never read. (Status
  // requests: their answers are large, so the broker's send buffer fills sooner; token-less
  // HEAD / preconnects freeze the old broker the same way, only later.)
  std::string one = "GET /_safe-run/status HTTP/1.1\r\nHost: x\r\nx-api-key: " + session.token() +
                    "\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx";
  std::string burst;
  for (int i = 0; i < 40000; ++i) burst += one;
  std::thread flood([&] {  // blocks once the broker stops reading; ends when the socket is shut down
    for (std::size_t sent = 0; sent < burst.size();) {
      auto n = ::send(attacker, burst.data() + sent, burst.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<std::size_t>(n);
    }
  });
  std::this_thread::sleep_for(4 * kSecond);
  CHECK(answers_within(session.port(), session.token(), 5 * kSecond));
  ::shutdown(attacker, SHUT_RDWR);
  flood.join();
  ::close(attacker);
  CHECK(answers_within(session.port(), session.token(), 5 * kSecond));
}

TEST_CASE("another user cannot connect to the broker, while the session's own user can", "[e2e][robustness][load]") {
  if (::geteuid() != 0) { WARN("needs root to act as a second user (CI runs as root)"); return; }
  LiveSession session({"--dry-run"}, base_env({"ANTHROPIC_API_KEY=" + fake_key()}));
  REQUIRE(session.ready());
  const std::string ask = "trap '' PIPE; exec 3<>/dev/tcp/127.0.0.1/$PORT || exit 3; printf 'GET /_safe-run/status HTTP/1.1\\r\\n"
                          "Host: x\\r\\nx-api-key: " + session.token() + "\\r\\nConnection: close\\r\\n\\r\\n' >&3; "
                          "timeout 5 cat <&3; echo END";
  auto other = as_other_user(session.port(), ask);
  auto refused = other->finish(10 * kSecond);
  CHECK(contains(refused.out, "END"));
  CHECK_FALSE(contains(refused.out, "HTTP/1.1"));
  // Negative control: the same connection from the session's own uid is served.
  Process same({"/bin/bash", "-c", ask}, {"PORT=" + std::to_string(session.port()), "PATH=/usr/bin:/bin"});
  auto served = same.finish(10 * kSecond);
  CHECK(contains(served.out, "HTTP/1.1 200"));
  CHECK(session.end().status == 0);
}

TEST_CASE("1,000 trickling connections from another user do not delay the agent", "[e2e][robustness][load]") {
  if (::geteuid() != 0) { WARN("needs root to act as a second user (CI runs as root)"); return; }
  LiveSession session({"--dry-run"}, base_env({"ANTHROPIC_API_KEY=" + fake_key()}));
  REQUIRE(session.ready());
  auto trickler = as_other_user(session.port(),
                                "ulimit -n 4096; for i in $(seq 1000); do exec {fd}<>/dev/tcp/127.0.0.1/$PORT && "
                                "printf 'G' >&$fd 2>/dev/null; done; echo OPEN; sleep 20");
  REQUIRE(trickler->wait_for_stdout("OPEN", 30 * kSecond));
  for (int i = 0; i < 20; ++i) REQUIRE(answers_within(session.port(), session.token(), 3 * kSecond));
}

TEST_CASE("600 same-user connections trickling their heads do not starve a new request", "[e2e][robustness][load]") {
  raise_own_fd_limit();
  LiveSession session({"--dry-run"}, base_env({"ANTHROPIC_API_KEY=" + fake_key()}));
  REQUIRE(session.ready());
  std::vector<std::unique_ptr<RawConnection>> tricklers;
  for (int i = 0; i < 600; ++i) {
    tricklers.push_back(std::make_unique<RawConnection>(session.port()));
    tricklers.back()->send("GET /_safe-run/status HTTP/1.1\r\n");
  }
  std::this_thread::sleep_for(kSecond / 2);
  CHECK(answers_within(session.port(), session.token(), 5 * kSecond));
}

TEST_CASE("500 keep-alive connections are all served with a soft limit of 256 descriptors", "[e2e][robustness][load]") {
  raise_own_fd_limit();
  auto env = base_env({"ANTHROPIC_API_KEY=" + fake_key()});
  // prlimit lowers only safe-run's soft limit; the hard one stays as high as the test's.
  TempDir runtime;
  std::vector<std::string> argv = {"/usr/bin/prlimit", "--nofile=256:", "--", safe_run_binary(), "--dry-run", "--",
                                   "/bin/sh", "-c", "printf 'READY %s %s\\n' \"$SAFE_RUN_BROKER_URL\" \"$SAFE_RUN_TOKEN\"; read -r _; exit 0"};
  env.push_back("XDG_RUNTIME_DIR=" + runtime.path());
  Process process(argv, env);
  REQUIRE(process.wait_for_stdout("\n", 20 * kSecond));
  auto line = process.out().substr(process.out().find("READY"));
  auto port = static_cast<std::uint16_t>(std::stoi(line.substr(line.rfind(':', line.find(' ', 6)) + 1)));
  auto token = line.substr(line.find(' ', 6) + 1);
  token = token.substr(0, token.find('\n'));
  std::vector<std::unique_ptr<RawConnection>> clients;
  for (int i = 0; i < 500; ++i) clients.push_back(std::make_unique<RawConnection>(port));
  int answered = 0;
  for (int round = 0; round < 2; ++round) {
    for (auto& client : clients) client->send(status_request(token, false));
    for (auto& client : clients) {
      auto piece = client->read(10 * kSecond);
      if (piece && piece->bytes.find("HTTP/1.1 200") != std::string::npos) ++answered;
    }
  }
  CHECK(answered == 1000);
  clients.clear();
  process.close_stdin();
  CHECK(process.finish(20 * kSecond).status == 0);
}

TEST_CASE("200 concurrent streams all complete", "[e2e][robustness][load]") {
  raise_own_fd_limit();
  ProxySession proxy;
  REQUIRE(proxy.session->ready());
  auto headers = proxy.anthropic_headers();
  headers.insert(headers.end(), {{"x-fake", "sse-slow"}, {"x-fake-events", "3"}, {"x-fake-interval-ms", "300"}});
  std::vector<std::unique_ptr<RawConnection>> streams;
  for (int i = 0; i < 200; ++i) {
    streams.push_back(std::make_unique<RawConnection>(proxy.port()));
    streams.back()->send(request_bytes("POST", "/anthropic/v1/messages", headers, "{}", true));
  }
  int complete = 0;
  for (auto& stream : streams) {
    auto all = stream->read_all(30 * kSecond);
    if (all.find("HTTP/1.1 200") == 0 && all.find("0\r\n\r\n") != std::string::npos) ++complete;
  }
  CHECK(complete == 200);
}

TEST_CASE("a client that leaves before the upstream answers releases its upstream request at once",
          "[e2e][robustness][load]") {
  RawRouteSession raw([](const RawUpstreamRequest&) {
    RawUpstreamAnswer answer = {raw_response(200, "OK", "", "{}")};
    answer.hold_ms = 8000;
    return answer;
  });
  REQUIRE(raw.session.ready());
  for (int i = 0; i < 3; ++i) {
    RawConnection client(raw.session.port());
    client.send(request_bytes("POST", "/anthropic/v1/messages", raw.headers(), "{}", false));
    // The request reaches the upstream, then the client leaves.
    for (int wait = 0; wait < 100 && raw.upstream.requests() <= i; ++wait) std::this_thread::sleep_for(kSecond / 20);
  }
  for (int i = 0; i < 50 && raw.upstream.peers_closed() < 3; ++i) std::this_thread::sleep_for(kSecond / 10);
  CHECK(raw.upstream.requests() == 3);
  CHECK(raw.upstream.peers_closed() == 3);
}
