// Slot fairness (broker/slot_fairness.h): clients that keep every connection slot busy with
// requests back-to-back on keep-alive connections cannot keep a newly arriving client waiting,
// and token-less clients cannot hold the broker's body budget.
//
// The floods run from the test's own uid, the session's: another uid is refused before a byte
// is read (broker_robustness_load_e2e_test.cc), so only the session's user can hold a slot.
// Each flood's control is its own record: before the new client arrives, every flooder has
// been answered again and again on a connection never told to close — the flood holds every
// slot — and the broker of main left the new client unanswered for as long as it lasted.

#include <atomic>
#include <catch2/catch.hpp>
#include <memory>
#include <thread>

#include "tests/e2e/proxy_session.h"
#include "tests/support/fake_upstream.h"
#include "tests/support/test_ca.h"

using namespace saferun::test;

namespace {

constexpr auto kSecond = std::chrono::milliseconds(1000);
constexpr std::size_t kSlots = 4;

// Reads one whole response (head, and a body of its Content-Length); "" when the connection
// closed or nothing came within the time.
std::string read_one_response(RawConnection& connection, std::string& pending) {
  while (true) {
    auto head_end = pending.find("\r\n\r\n");
    if (head_end != std::string::npos) {
      auto responses = parse_responses(pending.substr(0, head_end + 4));
      std::size_t length = 0;
      if (!responses.empty() && !responses[0].header("content-length").empty())
        length = std::stoul(responses[0].header("content-length"));
      if (pending.size() >= head_end + 4 + length) {
        auto one = pending.substr(0, head_end + 4 + length);
        pending.erase(0, one.size());
        return one;
      }
    }
    auto piece = connection.read(2 * kSecond);
    if (!piece || piece->bytes.empty()) return "";
    pending += piece->bytes;
  }
}

// One flooder per slot: `request` again and again on a keep-alive connection, `depth` of them
// sent ahead (pipelined) so the broker always has the next head; reconnects when told to
// close, as an attacker would.
class Flood {
 public:
  Flood(std::uint16_t port, std::string request, std::size_t connections, int depth) {
    for (std::size_t i = 0; i < connections; ++i)
      threads_.emplace_back([this, port, request, depth] { run(port, request, depth); });
  }
  ~Flood() { stop(); }

  void stop() {
    stop_ = true;
    for (auto& thread : threads_)
      if (thread.joinable()) thread.join();
  }
  // Answers each flooder got on its first connection, before anything told it to close.
  bool every_flooder_answered_at_least(int count) const {
    return first_connection_answers_ >= static_cast<int>(threads_.size()) * count && told_to_close_ == 0 &&
           started_ == static_cast<int>(threads_.size());
  }
  int told_to_close() const { return told_to_close_; }
  std::string counts() const {
    return "connections opened " + std::to_string(started_) + ", answers on first connections " +
           std::to_string(first_connection_answers_) + ", told to close " + std::to_string(told_to_close_);
  }

 private:
  void run(std::uint16_t port, const std::string& request, int depth) {
    bool first = true;
    int answered = 0;
    while (!stop_) {
      RawConnection connection(port);
      std::string pending;
      ++started_;
      for (int i = 1; i < depth; ++i) connection.send(request);
      while (!stop_) {
        connection.send(request);
        auto response = read_one_response(connection, pending);
        if (response.empty()) break;  // closed under it
        if (first && ++answered == 20) first_connection_answers_ += 20;
        if (response.find("Connection: close") != std::string::npos) break;
      }
      if (stop_) break;
      ++told_to_close_;
      first = false;
    }
  }

  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
  std::atomic<int> started_{0};
  std::atomic<int> first_connection_answers_{0};
  std::atomic<int> told_to_close_{0};
};

// A proxy session with kSlots connection slots; `options` before --config ("--dry-run").
struct SmallSession {
  TempDir dir;
  TestCertificates certificates = make_test_certificates(dir.path());
  FakeUpstream upstream{certificates};
  std::unique_ptr<LiveSession> session;

  explicit SmallSession(std::vector<std::string> options = {}) {
    options.push_back("--config");
    options.push_back(ProxySession::write_config(dir, upstream.origin(),
                                                 R"({"max_connections": )" + std::to_string(kSlots) + "}"));
    session = std::make_unique<LiveSession>(
        options, base_env({"ANTHROPIC_API_KEY=" + fake_key(), "SSL_CERT_FILE=" + certificates.ca_file}));
  }
};

std::string status_request(const std::string& token, bool close) {
  return request_bytes("GET", "/_safe-run/status", {{"x-api-key", token}}, "", close);
}

// Waits for the flood to hold every slot (the control), then asks as a new client.
void check_new_client_is_served(SmallSession& small, Flood& flood) {
  for (int i = 0; i < 100 && !flood.every_flooder_answered_at_least(20); ++i) std::this_thread::sleep_for(kSecond / 20);
  INFO(flood.counts());
  REQUIRE(flood.every_flooder_answered_at_least(20));  // all slots busy, none yielded yet
  auto answer = parse_responses(http_exchange(small.session->port(), status_request(small.session->token(), true), 5 * kSecond));
  CHECK(answer.size() == 1);
  CHECK((!answer.empty() && answer[0].status == 200));
  // The flood's slots were freed between its requests (its threads may notice a moment later).
  for (int i = 0; i < 40 && flood.told_to_close() == 0; ++i) std::this_thread::sleep_for(kSecond / 20);
  CHECK(flood.told_to_close() > 0);
  flood.stop();
}

}  // namespace

TEST_CASE("clients keeping every slot busy with forwarded requests do not starve a new client",
          "[e2e][robustness][load]") {
  SmallSession small;
  REQUIRE(small.session->ready());
  // Each answer takes the upstream 50 ms: a slot is between requests for microseconds only.
  auto slow = request_bytes("POST", "/anthropic/v1/messages",
                            {{"x-api-key", small.session->token()}, {"x-fake", "stall"}, {"x-fake-stall-ms", "50"}},
                            "{}", false);
  Flood flood(small.session->port(), slow, kSlots, 1);
  check_new_client_is_served(small, flood);
}

TEST_CASE("token-less HEAD preconnects keeping every slot busy do not starve a new client", "[e2e][robustness][load]") {
  SmallSession small({"--dry-run"});
  REQUIRE(small.session->ready());
  Flood flood(small.session->port(), "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n", kSlots, 2);
  check_new_client_is_served(small, flood);
}

TEST_CASE("token-less preconnects with bodies cannot hold the body budget", "[e2e][robustness][load]") {
  LiveSession session({"--dry-run"}, base_env({"ANTHROPIC_API_KEY=" + fake_key()}));
  REQUIRE(session.ready());
  // Eight bodies of the largest size allowed fill the default 256 MiB in flight, if read.
  std::vector<std::unique_ptr<RawConnection>> holders;
  for (int i = 0; i < 8; ++i) {
    holders.push_back(std::make_unique<RawConnection>(session.port()));
    holders.back()->send("HEAD / HTTP/1.1\r\nHost: x\r\nContent-Length: 33554432\r\n\r\nx");
  }
  auto refused = holders[0]->read_all(5 * kSecond);
  CHECK(refused.find("HTTP/1.1 400") == 0);
  auto answer = parse_responses(http_exchange(
      session.port(), request_bytes("POST", "/anthropic/v1/messages", {{"x-api-key", session.token()}}, "{}", true), 5 * kSecond));
  CHECK(answer.size() == 1);
  CHECK((!answer.empty() && answer[0].status == 200));
}
