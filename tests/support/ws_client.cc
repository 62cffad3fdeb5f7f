#include "tests/support/ws_client.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

namespace saferun::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ws = beast::websocket;
using asio::ip::tcp;

struct WsClient::Impl {
  asio::io_context io;
  ws::stream<tcp::socket> socket{io};
};

WsClient::WsClient(std::uint16_t port, const std::string& target, const Headers& headers)
    : impl_(std::make_unique<Impl>()) {
  beast::error_code ec;
  auto& lowest = impl_->socket.next_layer();
  lowest.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  if (ec) return;
  impl_->socket.set_option(ws::stream_base::decorator([headers](ws::request_type& request) {
    for (const auto& [name, value] : headers) request.set(name, value);
  }));
  impl_->socket.control_callback([this](ws::frame_type kind, beast::string_view payload) {
    if (kind == ws::frame_type::pong) pongs_.emplace_back(payload);
    if (kind == ws::frame_type::ping) pings_.emplace_back(payload);
  });
  ws::response_type answer;
  impl_->socket.handshake(answer, "127.0.0.1:" + std::to_string(port), target, ec);
  if (ec) {
    ask_again_raw(port, target, headers);
    return;
  }
  open_ = true;
}

WsClient::~WsClient() = default;

// Beast's blocking handshake keeps the refusal to itself: the same upgrade is sent once more
// as raw HTTP to read the answer (the broker decides both the same way). `close` makes the
// broker end the connection after its answer, so the raw read ends there (not at a timeout).
void WsClient::ask_again_raw(std::uint16_t port, const std::string& target, const Headers& headers) {
  Headers upgrade = headers;
  upgrade.insert(upgrade.end(), {{"Upgrade", "websocket"}, {"Connection", "Upgrade, close"},
                                 {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}, {"Sec-WebSocket-Version", "13"}});
  auto responses = parse_responses(http_exchange(port, request_bytes("GET", target, upgrade, "", false)));
  if (responses.empty()) return;
  refused_status_ = responses[0].status;
  refused_body_ = responses[0].body;
}

void WsClient::send(const std::string& payload, bool text) {
  beast::error_code ec;
  impl_->socket.text(text);
  impl_->socket.write(asio::buffer(payload), ec);
}

void WsClient::send_fragments(const std::vector<std::string>& pieces) {
  beast::error_code ec;
  impl_->socket.text(true);
  for (std::size_t i = 0; i < pieces.size(); ++i)
    impl_->socket.write_some(i + 1 == pieces.size(), asio::buffer(pieces[i]), ec);
}

void WsClient::send_piece(const std::string& piece, bool last) {
  beast::error_code ec;
  impl_->socket.text(true);
  impl_->socket.write_some(last, asio::buffer(piece), ec);
}

void WsClient::ping(const std::string& payload) {
  beast::error_code ec;
  impl_->socket.ping(ws::ping_data(payload), ec);
}

void WsClient::close(std::uint16_t code, const std::string& reason) {
  beast::error_code ec;
  impl_->socket.close(ws::close_reason(static_cast<ws::close_code>(code), reason), ec);
}

std::optional<WsMessage> WsClient::read(std::chrono::milliseconds timeout) {
  timeval limit{};
  limit.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  limit.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  auto fd = impl_->socket.next_layer().native_handle();
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  beast::flat_buffer buffer;
  beast::error_code ec;
  impl_->socket.read(buffer, ec);
  // A close frame may arrive and the closing handshake's teardown then fail (the peer reset
  // the connection): the frame's code counts either way.
  if (ec && impl_->socket.reason().code != ws::close_code::none) close_code_ = impl_->socket.reason().code;
  if (ec) last_error_ = ec.message();
  if (ec) return std::nullopt;
  return WsMessage{impl_->socket.got_text(), beast::buffers_to_string(buffer.data())};
}

}  // namespace saferun::test
