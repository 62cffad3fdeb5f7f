// sink_upstream: the benchmarks' plain upstream. One thread, epoll, keep-alive: reads each
// request whole — head and Content-Length body, as a real API does before it answers — and
// answers 64 bytes of JSON. (nginx's `return 200` answers before it reads a body, which makes
// "direct" POST timings meaningless.) Prints "port N" on stdout once listening on 127.0.0.1.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <strings.h>
#include <unordered_map>

namespace {

constexpr std::string_view kAnswer =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 64\r\n\r\n"
    "{\"data\":[{\"id\":\"claude-bench\",\"type\":\"model\"}],\"has_more\":false}";

struct Peer {
  std::string head;         // bytes of the head read so far
  std::size_t body_left = 0;
  std::string out;          // answers not yet written
};

std::size_t content_length(const std::string& head) {
  std::size_t at = 0;
  while ((at = head.find('\n', at)) != std::string::npos) {
    ++at;
    if (strncasecmp(head.c_str() + at, "content-length:", 15) == 0) return std::strtoull(head.c_str() + at + 15, nullptr, 10);
  }
  return 0;
}

// Consumes `n` bytes; queues an answer for every request completed.
void consume(Peer& peer, const char* data, std::size_t n) {
  while (n > 0) {
    if (peer.body_left > 0) {
      auto take = std::min(n, peer.body_left);
      peer.body_left -= take, data += take, n -= take;
      if (peer.body_left == 0) peer.out += kAnswer;
      continue;
    }
    auto before = peer.head.size();
    peer.head.append(data, n);
    auto end = peer.head.find("\r\n\r\n", before > 3 ? before - 3 : 0);
    if (end == std::string::npos) return;
    auto used = end + 4 - before;
    data += used, n -= used;
    peer.head.resize(end + 4);
    peer.body_left = content_length(peer.head);
    peer.head.clear();
    if (peer.body_left == 0) peer.out += kAnswer;
  }
}

bool flush(int fd, Peer& peer) {
  while (!peer.out.empty()) {
    auto n = ::send(fd, peer.out.data(), peer.out.size(), MSG_NOSIGNAL);
    if (n < 0) return errno == EAGAIN;
    peer.out.erase(0, static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace

int main() {
  int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(listener, 4096) != 0 ||
      ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    std::perror("sink_upstream: listen");
    return 1;
  }
  std::printf("port %d\n", ntohs(address.sin_port));
  std::fflush(stdout);
  int epoll = ::epoll_create1(EPOLL_CLOEXEC);
  epoll_event event{EPOLLIN, {.fd = listener}};
  ::epoll_ctl(epoll, EPOLL_CTL_ADD, listener, &event);
  std::unordered_map<int, Peer> peers;
  static char buffer[1 << 20];
  epoll_event ready[256];
  for (;;) {
    int count = ::epoll_wait(epoll, ready, 256, -1);
    for (int i = 0; i < count; ++i) {
      int fd = ready[i].data.fd;
      if (fd == listener) {
        int client;
        while ((client = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
          int one = 1;
          ::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          epoll_event add{EPOLLIN | EPOLLOUT | EPOLLET, {.fd = client}};
          ::epoll_ctl(epoll, EPOLL_CTL_ADD, client, &add);
          peers[client];
        }
        continue;
      }
      auto& peer = peers[fd];
      bool open = true;
      for (;;) {
        auto n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n > 0) {
          consume(peer, buffer, static_cast<std::size_t>(n));
          continue;
        }
        if (n == 0 || errno != EAGAIN) open = false;
        break;
      }
      if (!flush(fd, peer) || !open) {
        ::close(fd);
        peers.erase(fd);
      }
    }
  }
}
