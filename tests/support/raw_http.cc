#include "tests/support/raw_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <time.h>

#include <algorithm>
#include <cctype>

namespace saferun::test {
namespace {

int connect_loopback(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

}  // namespace

std::string HttpResponse::header(const std::string& name) const {
  auto it = headers.find(lower(name));
  return it == headers.end() ? std::string() : it->second;
}

std::string http_exchange(std::uint16_t port, const std::string& request, std::chrono::milliseconds timeout) {
  int fd = connect_loopback(port);
  if (fd < 0) return {};
  std::size_t sent = 0;
  while (sent < request.size()) {
    auto n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  std::string response;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char buffer[65536];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    auto n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    response.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return response;
}

std::vector<HttpResponse> parse_responses(const std::string& raw) {
  std::vector<HttpResponse> out;
  std::size_t at = 0;
  while (at < raw.size()) {
    auto end_of_head = raw.find("\r\n\r\n", at);
    if (end_of_head == std::string::npos) break;
    HttpResponse response;
    auto head = raw.substr(at, end_of_head - at);
    auto line_end = head.find("\r\n");
    auto status_line = head.substr(0, line_end);
    if (status_line.size() < 12) break;
    response.status = std::atoi(status_line.substr(9, 3).c_str());
    std::size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      auto next = head.find("\r\n", pos);
      auto line = head.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
      auto colon = line.find(':');
      if (colon != std::string::npos) {
        auto value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(' '));
        response.headers[lower(line.substr(0, colon))] = value;
      }
      pos = next == std::string::npos ? head.size() : next + 2;
    }
    at = end_of_head + 4;
    auto length = response.header("content-length");
    std::size_t n = length.empty() ? raw.size() - at : std::stoul(length);
    response.body = raw.substr(at, n);
    at += std::min(n, raw.size() - at);
    if (response.status == 100) continue;
    out.push_back(std::move(response));
  }
  return out;
}

std::string request_bytes(const std::string& method, const std::string& target, const Headers& headers,
                          const std::string& body, bool close) {
  std::string out = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (const auto& [name, value] : headers) out += name + ": " + value + "\r\n";
  if (!body.empty() || method == "POST") out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  if (close) out += "Connection: close\r\n";
  return out + "\r\n" + body;
}

HttpResponse http_request(std::uint16_t port, const std::string& method, const std::string& target,
                          const Headers& headers, const std::string& body) {
  auto responses = parse_responses(http_exchange(port, request_bytes(method, target, headers, body, true)));
  return responses.empty() ? HttpResponse{} : responses.front();
}

RawConnection::RawConnection(std::uint16_t port) : fd_(connect_loopback(port)) {}

RawConnection::~RawConnection() { close(); }

void RawConnection::send(const std::string& bytes) {
  std::size_t sent = 0;
  while (fd_ >= 0 && sent < bytes.size()) {
    auto n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<std::size_t>(n);
  }
}

std::optional<RawConnection::Piece> RawConnection::read(std::chrono::milliseconds timeout) {
  if (fd_ < 0) return Piece{};
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return std::nullopt;
  char buffer[65536];
  auto n = ::recv(fd_, buffer, sizeof buffer, 0);
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  Piece piece{static_cast<std::int64_t>(now.tv_sec) * 1000000000 + now.tv_nsec, {}};
  if (n > 0) piece.bytes.assign(buffer, static_cast<std::size_t>(n));
  return piece;
}

std::string RawConnection::read_all(std::chrono::milliseconds timeout) {
  std::string all;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto piece = read(std::chrono::milliseconds(50));
    if (!piece) continue;
    if (piece->bytes.empty()) break;
    all += piece->bytes;
  }
  return all;
}

void RawConnection::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool port_accepts(std::uint16_t port) {
  int fd = connect_loopback(port);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

}  // namespace saferun::test
