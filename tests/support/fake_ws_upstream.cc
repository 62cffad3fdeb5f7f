#include "tests/support/fake_ws_upstream.h"

#include <sys/socket.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <nlohmann/json.hpp>

namespace saferun::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ws = beast::websocket;
namespace ssl = asio::ssl;
using asio::ip::tcp;
using nlohmann::json;

namespace {

using TlsStream = beast::ssl_stream<tcp::socket>;
using WebSocket = ws::stream<TlsStream&>;

json output_message() {
  return {{"type", "message"}, {"id", "msg_fake"}, {"status", "completed"}, {"role", "assistant"},
          {"content", json::array({{{"type", "output_text"}, {"text", "Hello from fake"}, {"annotations", json::array()}}})}};
}

json text_delta(const char* text) {
  return {{"type", "response.output_text.delta"}, {"item_id", "msg_fake"}, {"output_index", 0}, {"content_index", 0},
          {"delta", text}};
}

RecordedRequest record_of(const http::request<http::string_body>& request) {
  RecordedRequest recorded;
  recorded.method = std::string(request.method_string());
  recorded.target = std::string(request.target());
  for (const auto& field : request) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    recorded.headers.emplace(name, std::string(field.value()));
  }
  recorded.body = request.body();
  return recorded;
}

void write_text(WebSocket& socket, const std::string& text) {
  socket.text(true);
  socket.write(asio::buffer(text));
}

// One client message's answer; false when the connection is done.
bool answer_message(WebSocket& socket, const WsMessage& message, const RecordedRequest& handshake) {
  const auto& text = message.payload;
  beast::error_code ec;
  if (text.rfind("echo:", 0) == 0) {
    socket.text(message.text);
    socket.write(asio::buffer(text.substr(5)), ec);
  } else if (text == "fragments") {
    socket.text(true);
    socket.write_some(false, asio::buffer(std::string("one-")), ec);
    socket.write_some(false, asio::buffer(std::string("two-")), ec);
    socket.write_some(true, asio::buffer(std::string("three")), ec);
  } else if (text.rfind("close:", 0) == 0) {
    socket.close(ws::close_reason(static_cast<ws::close_code>(std::stoi(text.substr(6))), "bye"), ec);
  } else if (text.rfind("ping:", 0) == 0) {
    socket.ping(ws::ping_data(text.substr(5)), ec);
    write_text(socket, "pinged");
  } else if (text == "reflect") {
    write_text(socket, "you sent: " + handshake.header("authorization"));
  } else if (text.rfind("big:", 0) == 0) {
    write_text(socket, std::string(std::stoul(text.substr(4)), 'x'));
  } else if (text == "stream") {
    for (int i = 0; i < 3000 && !ec; ++i) {
      auto delta = text_delta("tick");
      delta["sent_ns"] = monotonic_ns();
      socket.text(true);
      socket.write(asio::buffer(delta.dump()), ec);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  } else if (auto create = json::parse(text, nullptr, false);
             create.is_object() && create.value("type", "") == "response.create") {
    auto events = fake_response_events();
    const auto mode = create.contains("metadata") && create["metadata"].is_object()
                          ? create["metadata"].value("fake", "")
                          : std::string();
    // "stall": a turn that never ends (response.created and the first delta, then silence).
    // "error": refused with the API's error event, no response. "error-then-answer": an error
    // event, then a whole response anyway (as if the error had been meant for another message).
    const std::string error_event =
        R"({"type":"error","status":400,"error":{"type":"invalid_request_error","message":"fake: refused"}})";
    if (mode == "stall") events.resize(3);
    if (mode == "error") events.clear();
    if (mode == "error" || mode == "error-then-answer") write_text(socket, error_event);
    for (const auto& event : events) write_text(socket, event);
  }
  return !ec;
}

void answer_http(TlsStream& stream, const http::request<http::string_body>& request, int refuse_status) {
  http::response<http::string_body> response;
  response.version(11);
  response.keep_alive(false);
  const auto target = std::string(request.target());
  if (refuse_status != 0) {
    response.result(static_cast<http::status>(refuse_status));
    response.set(http::field::content_type, "application/json");
    response.body() = R"({"error":{"message":"fake: upgrade refused","type":"invalid_request_error"}})";
  } else if (request.method() == http::verb::post && target.size() >= 10 &&
             target.compare(target.size() - 10, 10, "/responses") == 0) {
    response.result(http::status::ok);
    response.set(http::field::content_type, "text/event-stream");
    for (const auto& event : fake_response_events())
      response.body() += "event: " + json::parse(event)["type"].get<std::string>() + "\ndata: " + event + "\n\n";
  } else {
    response.result(http::status::not_found);
    response.body() = R"({"error":{"message":"fake: no such path","type":"invalid_request_error"}})";
  }
  response.prepare_payload();
  beast::error_code ec;
  http::write(stream, response, ec);
}

}  // namespace

std::vector<std::string> fake_response_events() {
  json usage = {{"input_tokens", 11}, {"input_tokens_details", {{"cached_tokens", 2}}}, {"output_tokens", 7},
                {"output_tokens_details", {{"reasoning_tokens", 3}}}, {"total_tokens", 18}};
  json response = {{"id", "resp_fake"}, {"object", "response"}, {"created_at", 1700000000}, {"status", "in_progress"},
                   {"model", "gpt-test"}, {"output", json::array()}};
  json completed = response;
  completed["status"] = "completed";
  completed["output"] = json::array({output_message()});
  completed["usage"] = usage;
  json added_item = output_message();
  added_item["status"] = "in_progress";
  added_item["content"] = json::array();
  return {json{{"type", "response.created"}, {"response", response}}.dump(),
          json{{"type", "response.output_item.added"}, {"output_index", 0}, {"item", added_item}}.dump(),
          text_delta("Hello").dump(),
          text_delta(" from fake").dump(),
          json{{"type", "response.output_item.done"}, {"output_index", 0}, {"item", output_message()}}.dump(),
          json{{"type", "response.completed"}, {"response", completed}}.dump()};
}

struct FakeWsUpstream::Impl {
  asio::io_context io;
  ssl::context tls{ssl::context::tls_server};
  tcp::acceptor acceptor{io};
};

FakeWsUpstream::FakeWsUpstream(const TestCertificates& certificates) : impl_(std::make_unique<Impl>()) {
  impl_->tls.use_certificate_chain_file(certificates.server_cert);
  impl_->tls.use_private_key_file(certificates.server_key, ssl::context::pem);
  tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(endpoint.protocol());
  impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  impl_->acceptor.bind(endpoint);
  impl_->acceptor.listen();
  port_ = impl_->acceptor.local_endpoint().port();
  acceptor_thread_ = std::thread([this] { accept_loop(); });
}

FakeWsUpstream::~FakeWsUpstream() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
  }
  ::shutdown(impl_->acceptor.native_handle(), SHUT_RDWR);
  acceptor_thread_.join();
  for (auto& thread : connections_) thread.join();
}

std::string FakeWsUpstream::origin() const { return "https://localhost:" + std::to_string(port_); }

void FakeWsUpstream::refuse_upgrades(int status) {
  std::lock_guard lock(mutex_);
  refuse_status_ = status;
}

void FakeWsUpstream::accept_loop() {
  while (true) {
    int fd = ::accept4(impl_->acceptor.native_handle(), nullptr, nullptr, SOCK_CLOEXEC);
    std::lock_guard lock(mutex_);
    if (fd < 0 || stopping_) {
      if (fd >= 0) ::close(fd);
      return;
    }
    open_fds_.push_back(fd);
    connections_.emplace_back([this, fd] { serve_connection(fd); });
  }
}

void FakeWsUpstream::serve_connection(int fd) {
  TlsStream stream(tcp::socket(impl_->io, tcp::v4(), fd), impl_->tls);
  beast::error_code ec;
  stream.next_layer().set_option(tcp::no_delay(true), ec);  // frames go out as written, like a provider's
  stream.handshake(ssl::stream_base::server, ec);
  beast::flat_buffer buffer;
  http::request<http::string_body> request;
  if (!ec) http::read(stream, buffer, request, ec);
  if (ec) return;
  auto handshake = record_of(request);
  int refuse_status = 0;
  {
    std::lock_guard lock(mutex_);
    handshakes_.push_back(handshake);
    refuse_status = refuse_status_;
  }
  if (!ws::is_upgrade(request)) return answer_http(stream, request, 0);
  if (refuse_status != 0) return answer_http(stream, request, refuse_status);
  WebSocket socket(stream);
  socket.control_callback([this](ws::frame_type kind, beast::string_view payload) {
    if (kind != ws::frame_type::ping) return;
    std::lock_guard lock(mutex_);
    pings_.emplace_back(payload);
  });
  socket.accept(request, ec);
  while (!ec) {
    beast::flat_buffer message;
    socket.read(message, ec);
    if (ec) break;
    WsMessage received{socket.got_text(), beast::buffers_to_string(message.data())};
    {
      std::lock_guard lock(mutex_);
      messages_.push_back(received);
      }
    if (!answer_message(socket, received, handshake)) break;
  }
  std::lock_guard lock(mutex_);
  if (ec == ws::error::closed) close_codes_.push_back(socket.reason().code);
  ++ended_;
}

std::vector<RecordedRequest> FakeWsUpstream::handshakes() const {
  std::lock_guard lock(mutex_);
  return handshakes_;
}

std::vector<WsMessage> FakeWsUpstream::messages() const {
  std::lock_guard lock(mutex_);
  return messages_;
}

std::vector<std::string> FakeWsUpstream::pings() const {
  std::lock_guard lock(mutex_);
  return pings_;
}

std::vector<int> FakeWsUpstream::close_codes() const {
  std::lock_guard lock(mutex_);
  return close_codes_;
}

int FakeWsUpstream::ended_connections() const {
  std::lock_guard lock(mutex_);
  return ended_;
}

bool FakeWsUpstream::received_bytes(const std::string& needle) const {
  std::lock_guard lock(mutex_);
  for (const auto& request : handshakes_) {
    for (const auto& [name, value] : request.headers)
      if (value.find(needle) != std::string::npos) return true;
    if (request.target.find(needle) != std::string::npos || request.body.find(needle) != std::string::npos) return true;
  }
  for (const auto& message : messages_)
    if (message.payload.find(needle) != std::string::npos) return true;
  return false;
}

bool FakeWsUpstream::wait_until(const std::function<bool()>& ready, std::chrono::milliseconds limit) const {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!ready()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace saferun::test
