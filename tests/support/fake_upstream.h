#pragma once
// A fake model-API upstream on 127.0.0.1 (plain HTTP, or TLS with a test CA) that records
// every request it receives and answers like the providers do. Paths under /anthropic answer
// like Anthropic's API, paths under /openai like OpenAI's. A request header `x-fake` picks a
// misbehaviour instead:
//   sse-slow  x-fake-events N (5), x-fake-interval-ms M (200): SSE events M ms apart, each
//             carrying the CLOCK_MONOTONIC time it was sent ("sent_ns"); with x-fake-with-usage
//             each also carries a usage object, as a message_delta does
//   gzip      a gzip-compressed body with Content-Encoding: gzip (see gzip_payload())
//   429       rate-limited, with retry-after, request-id and rate-limit headers
//   redirect  307 to x-fake-location
//   drop      a chunked stream that dies after two events
//   stall     answers only after x-fake-stall-ms
//   reflect   400 whose body repeats every request header, values included
//   echo      200 with the method, target, body size and headers it got
// GET /_fake/requests (asked directly, not through the broker) lists what it recorded.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/test_ca.h"

namespace httplib {
class Server;
struct Response;
}

namespace saferun::test {

struct RecordedRequest {
  std::string method;
  std::string target;  // path and query exactly as received
  std::multimap<std::string, std::string> headers;  // names lower-cased
  std::string body;
  int remote_port = 0;

  std::string header(const std::string& name) const;
};

class FakeUpstream {
 public:
  // TLS when `certificates` is given.
  explicit FakeUpstream(const std::optional<TestCertificates>& certificates = std::nullopt);
  ~FakeUpstream();
  FakeUpstream(const FakeUpstream&) = delete;
  FakeUpstream& operator=(const FakeUpstream&) = delete;

  std::uint16_t port() const { return port_; }
  // "https://localhost:<port>" or "http://127.0.0.1:<port>".
  std::string origin() const;

  std::vector<RecordedRequest> requests() const;
  std::size_t connections() const;      // distinct client connections seen
  bool received_bytes(const std::string& needle) const;  // anywhere in what it received
  int aborted_streams() const { return aborted_streams_.load(); }
  // CLOCK_MONOTONIC ns when an sse-slow stream found its client gone (0 = never).
  std::int64_t last_abort_ns() const { return last_abort_ns_.load(); }

  static const std::string& gzip_payload();

 private:
  void record(const RecordedRequest& request);
  void answer_recorded(httplib::Response& response) const;
  void stall_unless_stopping(int ms) const;  // "stall" mode: until the time passes or the fake stops

  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::uint16_t port_ = 0;
  bool tls_ = false;
  mutable std::mutex mutex_;
  std::vector<RecordedRequest> requests_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> aborted_streams_{0};
  std::atomic<std::int64_t> last_abort_ns_{0};
};

std::int64_t monotonic_ns();

// `text` gzip-compressed (Content-Encoding: gzip).
std::string gzip(const std::string& text);

}  // namespace saferun::test
