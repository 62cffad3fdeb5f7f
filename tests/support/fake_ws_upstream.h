#pragma once
// A fake Responses API upstream that speaks WebSocket over TLS (Beast, a thread per
// connection), recording what it receives. It answers like OpenAI's `wss://…/v1/responses`:
// a `{"type":"response.create",…}` message gets the event sequence response.created,
// output_text deltas, output_item.done and response.completed (with usage); one whose
// `metadata.fake` is "stall" gets response.created and one delta only, a turn that never ends;
// "error" gets the API's error event (status 400) and nothing else; "error-then-answer" that
// error event and then the whole response anyway. A plain
// `POST …/responses` gets the same events as SSE, so a client's HTTP fallback works too.
// Text messages drive misbehaviours for the relay tests:
//   echo:<x>       sends <x> back, text or binary as it came
//   fragments      one text message "one-two-three" in three frames
//   close:<code>   closes with that code and reason "bye"
//   ping:<x>       sends a ping with payload <x>, then "pinged"
//   reflect        sends back the Authorization header it got (a provider echoing the key)
//   big:<n>        one text message of n bytes 'x'
//   stream         a delta every 20 ms until the connection ends, each carrying the
//                  CLOCK_MONOTONIC time it was sent ("sent_ns")

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/fake_upstream.h"
#include "tests/support/test_ca.h"

namespace saferun::test {

struct WsMessage {
  bool text = true;
  std::string payload;
};

class FakeWsUpstream {
 public:
  explicit FakeWsUpstream(const TestCertificates& certificates);
  ~FakeWsUpstream();
  FakeWsUpstream(const FakeWsUpstream&) = delete;
  FakeWsUpstream& operator=(const FakeWsUpstream&) = delete;

  std::uint16_t port() const { return port_; }
  std::string origin() const;  // https://localhost:<port>

  // Upgrades after this answer `status` instead (0: accept again); plain requests still work.
  void refuse_upgrades(int status);

  std::vector<RecordedRequest> handshakes() const;  // every HTTP request head, upgrades included
  std::vector<WsMessage> messages() const;          // data messages received, in order
  std::vector<std::string> pings() const;           // ping payloads received
  std::vector<int> close_codes() const;             // codes of close frames received
  int ended_connections() const;                    // WebSocket connections that ended
  bool received_bytes(const std::string& needle) const;
  // Polls `ready` (which may call the accessors above) until it holds or `limit` passes.
  bool wait_until(const std::function<bool()>& ready, std::chrono::milliseconds limit) const;

 private:
  struct Impl;
  void serve_connection(int fd);
  void accept_loop();

  std::unique_ptr<Impl> impl_;
  std::uint16_t port_ = 0;
  std::thread acceptor_thread_;
  mutable std::mutex mutex_;
  std::vector<std::thread> connections_;
  std::vector<int> open_fds_;
  std::vector<RecordedRequest> handshakes_;
  std::vector<WsMessage> messages_;
  std::vector<std::string> pings_;
  std::vector<int> close_codes_;
  int ended_ = 0;
  int refuse_status_ = 0;
  bool stopping_ = false;
};

// The Responses API events the fake sends for one turn (JSON texts), for tests that check them.
std::vector<std::string> fake_response_events();

}  // namespace saferun::test
