#pragma once
// A plain-HTTP upstream on 127.0.0.1 that answers with exactly the bytes a test scripts, so a
// test can play an upstream that misbehaves in ways a real HTTP library would not let it:
// secrets in header names or reason phrases, an answer before the body was read, a close
// right after reading a request. One thread per connection; requests are counted.

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace saferun::test {

struct RawUpstreamRequest {
  std::string head;  // request line and headers, up to the blank line
  std::string body;  // Content-Length bytes (up to `read_body_limit`)
  int index = 0;     // 0-based over the upstream's life
  int connection_request = 0;  // 0 for a connection's first request
};

// What to do with one request.
struct RawUpstreamAnswer {
  std::string bytes;            // written as is; may be empty
  bool close_after = false;     // close the connection once written
  std::size_t read_body_limit = SIZE_MAX;  // read at most this much of the body before answering
  int hold_ms = 0;  // wait this long before answering; a peer that closes meanwhile is counted
  std::string later_bytes = "";  // written later_ms after `bytes` (an answer that arrives in two parts)
  int later_ms = 0;
};

class RawUpstream {
 public:
  using Script = std::function<RawUpstreamAnswer(const RawUpstreamRequest&)>;
  explicit RawUpstream(Script script);
  ~RawUpstream();
  RawUpstream(const RawUpstream&) = delete;
  RawUpstream& operator=(const RawUpstream&) = delete;

  std::uint16_t port() const { return port_; }
  std::string origin() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int requests() const { return requests_.load(); }
  int peers_closed() const { return peer_closed_.load(); }  // during a hold_ms wait

 private:
  void accept_loop();
  void serve(int fd);

  Script script_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> requests_{0};
  std::atomic<int> peer_closed_{0};
  std::thread acceptor_;
  std::mutex mutex_;
  std::vector<std::thread> workers_;
  std::vector<int> open_fds_;
};

// "HTTP/1.1 200 OK\r\nContent-Length: N\r\n<extra>\r\n<body>"
std::string raw_response(int status, const std::string& reason, const std::string& extra_headers,
                         const std::string& body);

// The key the broker attached to a request (its x-api-key value); empty when there is none.
std::string attached_key(const std::string& head);

}  // namespace saferun::test
