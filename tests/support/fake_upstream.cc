#include "tests/support/fake_upstream.h"

#include <httplib.h>
#include <openssl/evp.h>
#include <sys/socket.h>
#include <time.h>
#include <zlib.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "tests/support/fake_provider.h"
#include "tests/support/growing_thread_pool.h"

namespace saferun::test {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

int header_int(const httplib::Request& request, const char* name, int fallback) {
  auto value = request.get_header_value(name);
  return value.empty() ? fallback : std::stoi(value);
}

void sleep_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }


}  // namespace

std::string gzip(const std::string& text) {
  z_stream stream{};
  deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(compressBound(text.size()) + 32, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  stream.avail_in = static_cast<uInt>(text.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

std::int64_t monotonic_ns() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<std::int64_t>(now.tv_sec) * 1000000000 + now.tv_nsec;
}

std::string RecordedRequest::header(const std::string& name) const {
  auto it = headers.find(lower(name));
  return it == headers.end() ? std::string() : it->second;
}

const std::string& FakeUpstream::gzip_payload() {
  static const std::string payload = gzip(std::string(4096, 'z') + "{\"fake\":\"gzip\"}");
  return payload;
}

FakeUpstream::FakeUpstream(const std::optional<TestCertificates>& certificates) {
  if (certificates) {
    server_ = std::make_unique<httplib::SSLServer>(certificates->server_cert.c_str(), certificates->server_key.c_str());
    tls_ = true;
  } else {
    server_ = std::make_unique<httplib::Server>();
  }
  auto& server = *server_;
  server.new_task_queue = [] { return new GrowingThreadPool(256); };  // 200 concurrent streams in the benchmarks
  server.set_tcp_nodelay(true);  // else Nagle holds the body back behind the headers for 40 ms
  server.set_keep_alive_max_count(100000);
  server.set_keep_alive_timeout(30);
  server.set_payload_max_length(std::size_t{64} << 20);

  auto handler = [this](const httplib::Request& request, httplib::Response& response) {
    RecordedRequest recorded{request.method, request.target, {}, request.body, request.remote_port};
    for (const auto& [name, value] : request.headers) recorded.headers.emplace(lower(name), value);
    if (request.path == "/_fake/requests") return answer_recorded(response);
    record(recorded);
    auto mode = request.get_header_value("x-fake");
    if (mode == "sse-slow") {
      int events = header_int(request, "x-fake-events", 5);
      int interval = header_int(request, "x-fake-interval-ms", 200);
      bool with_usage = request.has_header("x-fake-with-usage");  // every event carries usage (a meter's worst case)
      response.set_header("cache-control", "no-cache");
      response.set_chunked_content_provider(
          "text/event-stream", [this, events, interval, with_usage](std::size_t, httplib::DataSink& sink) {
            for (int i = 0; i < events; ++i) {
              if (i > 0) sleep_ms(interval);
              auto usage = with_usage ? ",\"type\":\"message_delta\",\"usage\":{\"output_tokens\":" + std::to_string(i) + "}" : "";
              auto event = "data: {\"seq\":" + std::to_string(i) + usage + ",\"sent_ns\":" + std::to_string(monotonic_ns()) + "}\n\n";
              if (!sink.write(event.data(), event.size())) {
                last_abort_ns_ = monotonic_ns();
                ++aborted_streams_;
                return false;
              }
            }
            sink.done();
            return true;
          });
    } else if (mode == "gzip") {
      response.set_header("Content-Encoding", "gzip");
      response.set_content(gzip_payload(), "application/octet-stream");
    } else if (mode == "429") {
      response.status = 429;
      response.set_header("retry-after", "7");
      response.set_header("request-id", "req_fake_429");
      response.set_header("anthropic-ratelimit-requests-remaining", "0");
      response.set_header("x-ratelimit-remaining-requests", "0");
      response.set_content(R"({"type":"error","error":{"type":"rate_limit_error","message":"slow down"}})", "application/json");
    } else if (mode == "redirect") {
      response.status = 307;
      response.set_header("Location", request.get_header_value("x-fake-location"));
    } else if (mode == "drop") {
      response.set_chunked_content_provider("text/event-stream", [](std::size_t, httplib::DataSink& sink) {
        std::string event = "data: {\"partial\":true}\n\n";
        sink.write(event.data(), event.size());
        sink.write(event.data(), event.size());
        return false;  // httplib closes the connection without the final chunk
      });
    } else if (mode == "stall") {
      stall_unless_stopping(header_int(request, "x-fake-stall-ms", 3000));
      response.set_content("{}", "application/json");
    } else if (mode == "reflect") {
      std::string text = "bad request; you sent:\n";
      for (const auto& [name, value] : request.headers) text += name + ": " + value + "\n";
      response.status = 400;
      response.set_content(text, "text/plain");
    } else if (mode == "echo") {
      nlohmann::json headers;
      for (const auto& [name, value] : request.headers) headers[lower(name)] = value;
      response.set_content(nlohmann::json{{"method", request.method}, {"target", request.target},
                                          {"body_bytes", request.body.size()}, {"headers", headers}}
                               .dump(),
                           "application/json");
    } else {
      answer_like_provider(request, response);
    }
  };
  server.Get(".*", handler);
  server.Post(".*", handler);
  server.Put(".*", handler);
  server.Delete(".*", handler);
  server.Patch(".*", handler);
  server.Options(".*", handler);

  // cpp-httplib listens with a backlog of 5: 200 connections opened at once overflow it, the
  // dropped handshakes are retried after 1, 2, 4 s... and under load one outlasted the broker's
  // 10 s connect deadline (a 504 in "200 concurrent streams"). Listening again raises it.
  int listen_fd = -1;
  server.set_socket_options([&listen_fd](int fd) {
    httplib::default_socket_options(fd);
    listen_fd = fd;
  });
  int port = server.bind_to_any_port("127.0.0.1");
  server.set_socket_options(httplib::default_socket_options);  // forgets the local above
  if (port <= 0 || ::listen(listen_fd, SOMAXCONN) != 0) throw std::runtime_error("fake upstream: bind failed");
  port_ = static_cast<std::uint16_t>(port);
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // stop() before the accept loop runs would be lost and the join would hang.
  for (int i = 0; i < 500 && !server_->is_running(); ++i) sleep_ms(10);
}

FakeUpstream::~FakeUpstream() {
  stopping_ = true;  // stalled handlers end now: the pool's threads are joined below
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

void FakeUpstream::stall_unless_stopping(int ms) const {
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (!stopping_ && std::chrono::steady_clock::now() < until) sleep_ms(10);
}

std::string FakeUpstream::origin() const {
  return (tls_ ? "https://localhost:" : "http://127.0.0.1:") + std::to_string(port_);
}

void FakeUpstream::answer_recorded(httplib::Response& response) const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& request : requests()) {
    nlohmann::json headers;
    for (const auto& [name, value] : request.headers) headers[name] = value;
    out.push_back({{"method", request.method}, {"target", request.target}, {"headers", headers},
                   {"body_bytes", request.body.size()}});
  }
  response.set_content(out.dump(), "application/json");
}

void FakeUpstream::record(const RecordedRequest& request) {
  std::lock_guard lock(mutex_);
  requests_.push_back(request);
}

std::vector<RecordedRequest> FakeUpstream::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

std::size_t FakeUpstream::connections() const {
  std::lock_guard lock(mutex_);
  std::set<int> ports;
  for (const auto& request : requests_) ports.insert(request.remote_port);
  return ports.size();
}

bool FakeUpstream::received_bytes(const std::string& needle) const {
  std::lock_guard lock(mutex_);
  for (const auto& request : requests_) {
    if (request.target.find(needle) != std::string::npos || request.body.find(needle) != std::string::npos)
      return true;
    for (const auto& [name, value] : request.headers)
      if (value.find(needle) != std::string::npos || name.find(needle) != std::string::npos) return true;
  }
  return false;
}

}  // namespace saferun::test
