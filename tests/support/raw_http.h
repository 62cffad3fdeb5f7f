#pragma once
// A deliberately raw HTTP/1.1 client for tests: it sends exactly the bytes given (malformed
// ones included) to 127.0.0.1:<port> and parses what comes back.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace saferun::test {

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string header(const std::string& name) const;
};

// Sends `request` and reads until the server closes or `timeout` passes.
std::string http_exchange(std::uint16_t port, const std::string& request,
                     std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Parses consecutive responses (pipelining) from `raw`.
std::vector<HttpResponse> parse_responses(const std::string& raw);

using Headers = std::vector<std::pair<std::string, std::string>>;

// One request with Connection: close; status 0 when nothing parseable came back.
HttpResponse http_request(std::uint16_t port, const std::string& method, const std::string& target,
                          const Headers& headers = {}, const std::string& body = {});

// Builds the bytes of one request (Content-Length set when there is a body).
std::string request_bytes(const std::string& method, const std::string& target,
                          const Headers& headers, const std::string& body, bool close);

bool port_accepts(std::uint16_t port);

// A client connection read piece by piece, each piece stamped with CLOCK_MONOTONIC on arrival.
class RawConnection {
 public:
  explicit RawConnection(std::uint16_t port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  void send(const std::string& bytes);
  struct Piece {
    std::int64_t at_ns = 0;
    std::string bytes;  // empty: the server closed the connection
  };
  // The next piece, or nullopt when nothing came within `timeout`.
  std::optional<Piece> read(std::chrono::milliseconds timeout);
  // Everything until the server closes or `timeout` passes.
  std::string read_all(std::chrono::milliseconds timeout);
  void close();

 private:
  int fd_ = -1;
};

}  // namespace saferun::test
