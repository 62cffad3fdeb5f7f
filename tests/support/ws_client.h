#pragma once
// A blocking WebSocket client for tests (Beast over plain TCP to 127.0.0.1:<port>, the
// broker): upgrade with chosen headers, send text/binary/fragments/pings/closes, and read
// with a bounded wait. It records the pings and pongs it receives.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/fake_ws_upstream.h"
#include "tests/support/raw_http.h"

namespace saferun::test {

class WsClient {
 public:
  WsClient(std::uint16_t port, const std::string& target, const Headers& headers);
  ~WsClient();
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  bool open() const { return open_; }
  int refused_status() const { return refused_status_; }  // the HTTP answer when not upgraded
  const std::string& refused_body() const { return refused_body_; }

  void send(const std::string& payload, bool text = true);
  void send_fragments(const std::vector<std::string>& pieces);  // one text message
  void send_piece(const std::string& piece, bool last);          // one frame of a text message
  void ping(const std::string& payload);
  void close(std::uint16_t code, const std::string& reason);
  // The next data message; nullopt on timeout, error or close (then close_code() says which).
  std::optional<WsMessage> read(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  int close_code() const { return close_code_; }  // 0: no close frame received
  std::vector<std::string> pongs() const { return pongs_; }
  std::vector<std::string> pings() const { return pings_; }
  const std::string& last_error() const { return last_error_; }

 private:
  void ask_again_raw(std::uint16_t port, const std::string& target, const Headers& headers);

  struct Impl;
  std::unique_ptr<Impl> impl_;
  bool open_ = false;
  int refused_status_ = 0;
  std::string refused_body_;
  int close_code_ = 0;
  std::string last_error_;
  std::vector<std::string> pongs_;
  std::vector<std::string> pings_;
};

}  // namespace saferun::test
