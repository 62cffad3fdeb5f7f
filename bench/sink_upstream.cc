// sink_upstream: the benchmarks' plain upstream. One thread, epoll, keep-alive: reads each
// request whole — head and Content-Length body, as a real API does before it answers — and
// answers 64 bytes of JSON. (nginx's `return 200` answers before it reads a body, which makes
// "direct" POST timings meaningless.) Prints "port N" on stdout once listening on 127.0.0.1.
//
//   sink-upstream [--provider-head]
//
// --provider-head: the answer carries the head Anthropic's API answers with (request id, twelve
// rate-limit fields, the CDN's), 24 fields instead of 2: what a proxy parses and relays per turn.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <strings.h>
#include <unordered_map>

namespace {

constexpr std::string_view kBody = "{\"data\":[{\"id\":\"claude-bench\",\"type\":\"model\"}],\"has_more\":false}";

constexpr std::string_view kMinimalHead = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 64\r\n\r\n";

// The fields of an answer from api.anthropic.com (values made up, lengths alike).
constexpr std::string_view kProviderHead =
    "HTTP/1.1 200 OK\r\nDate: Wed, 02 Dec 2026 16:00:00 GMT\r\nContent-Type: application/json\r\n"
    "Content-Length: 64\r\nConnection: keep-alive\r\n"
    "anthropic-ratelimit-input-tokens-limit: 2000000\r\nanthropic-ratelimit-input-tokens-remaining: 1999000\r\n"
    "anthropic-ratelimit-input-tokens-reset: 2026-12-02T16:00:01Z\r\n"
    "anthropic-ratelimit-output-tokens-limit: 400000\r\nanthropic-ratelimit-output-tokens-remaining: 400000\r\n"
    "anthropic-ratelimit-output-tokens-reset: 2026-12-02T16:00:00Z\r\n"
    "anthropic-ratelimit-requests-limit: 4000\r\nanthropic-ratelimit-requests-remaining: 3999\r\n"
    "anthropic-ratelimit-requests-reset: 2026-12-02T16:00:00Z\r\n"
    "anthropic-ratelimit-tokens-limit: 2400000\r\nanthropic-ratelimit-tokens-remaining: 2399000\r\n"
    "anthropic-ratelimit-tokens-reset: 2026-12-02T16:00:01Z\r\n"
    "request-id: req_011CVhB9s4mWxZkQeYJb2TfP\r\nstrict-transport-security: max-age=31536000; includeSubDomains; preload\r\n"
    "anthropic-organization-id: 3f0c1a52-7d9e-4b8a-9c61-2e5f7a8b9c0d\r\nvia: 1.1 google\r\n"
    "cf-cache-status: DYNAMIC\r\nX-Robots-Tag: none\r\nServer: cloudflare\r\nCF-RAY: 9a1b2c3d4e5f6a7b-FRA\r\n\r\n";

std::string answer_bytes;  // head and body, set in main

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
      if (peer.body_left == 0) peer.out += answer_bytes;
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
    if (peer.body_left == 0) peer.out += answer_bytes;
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

int main(int argc, char** argv) {
  const bool provider_head = argc > 1 && std::string_view(argv[1]) == "--provider-head";
  answer_bytes = std::string(provider_head ? kProviderHead : kMinimalHead) + std::string(kBody);
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
