#include "tests/support/raw_upstream.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <thread>

namespace saferun::test {
namespace {

// Reads until the blank line ending a head; false on EOF or error.
bool read_head(int fd, std::string& buffer, std::string& head) {
  char chunk[4096];
  while (true) {
    auto end = buffer.find("\r\n\r\n");
    if (end != std::string::npos) {
      head = buffer.substr(0, end + 4);
      buffer.erase(0, end + 4);
      return true;
    }
    auto n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<std::size_t>(n));
  }
}

std::size_t content_length(const std::string& head) {
  std::string lower(head);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  auto at = lower.find("\r\ncontent-length:");
  if (at == std::string::npos) return 0;
  return std::strtoull(lower.c_str() + at + 17, nullptr, 10);
}

void read_body(int fd, std::string& buffer, std::size_t want, std::string& body) {
  char chunk[65536];
  while (buffer.size() < want) {
    auto n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) break;
    buffer.append(chunk, static_cast<std::size_t>(n));
  }
  auto take = std::min(want, buffer.size());
  body = buffer.substr(0, take);
  buffer.erase(0, take);
}

void send_all(int fd, const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    auto n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<std::size_t>(n);
  }
}

// True when the peer closes (EOF or reset) within `ms`.
bool peer_closes_within(int fd, int ms) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, ms) <= 0) return false;
  char byte;
  return ::recv(fd, &byte, 1, MSG_PEEK) <= 0;
}

}  // namespace

std::string raw_response(int status, const std::string& reason, const std::string& extra_headers,
                         const std::string& body) {
  return "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n" + extra_headers + "\r\n" + body;
}

std::string attached_key(const std::string& head) {
  auto at = head.find("x-api-key: ");
  return at == std::string::npos ? std::string() : head.substr(at + 11, head.find("\r\n", at) - at - 11);
}

RawUpstream::RawUpstream(Script script) : script_(std::move(script)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
  ::listen(listen_fd_, 128);
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(address.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

RawUpstream::~RawUpstream() {
  stopping_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  acceptor_.join();
  ::close(listen_fd_);
  {
    std::lock_guard lock(mutex_);
    for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
  }
  for (auto& worker : workers_) worker.join();
  for (int fd : open_fds_) ::close(fd);
}

void RawUpstream::accept_loop() {
  while (!stopping_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    std::lock_guard lock(mutex_);
    open_fds_.push_back(fd);
    workers_.emplace_back([this, fd] { serve(fd); });
  }
}

void RawUpstream::serve(int fd) {
  std::string buffer;
  for (int on_connection = 0; !stopping_; ++on_connection) {
    RawUpstreamRequest request;
    if (!read_head(fd, buffer, request.head)) break;
    request.index = requests_++;
    request.connection_request = on_connection;
    auto peek = script_(request);
    read_body(fd, buffer, std::min(content_length(request.head), peek.read_body_limit), request.body);
    if (peek.hold_ms > 0 && peer_closes_within(fd, peek.hold_ms)) {
      ++peer_closed_;
      break;
    }
    send_all(fd, peek.bytes);
    if (!peek.later_bytes.empty()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(peek.later_ms));
      send_all(fd, peek.later_bytes);
    }
    if (peek.close_after) break;
  }
  // Closed for real (unread request bytes make it a reset, as a real server's close does).
  std::lock_guard lock(mutex_);
  open_fds_.erase(std::find(open_fds_.begin(), open_fds_.end(), fd));
  ::close(fd);
}

}  // namespace saferun::test
