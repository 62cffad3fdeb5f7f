// ws_probe PORT TARGET N [--tls CA] [NAME:VALUE ...]: opens a WebSocket to 127.0.0.1:PORT
// (plain: the broker; --tls: the fake upstream itself, verified against CA), sends "stream" —
// the fake upstream then sends a frame every 20 ms, each carrying the CLOCK_MONOTONIC time it
// was sent — and prints how long the first N frames took to arrive, in microseconds:
//   frames=N mean_us=… p50_us=… max_us=…

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <iostream>
#include <numeric>
#include <regex>
#include <string>
#include <vector>

#include "tests/support/fake_upstream.h"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ws = beast::websocket;
using asio::ip::tcp;

namespace {

template <class Socket>
std::vector<double> delays(Socket& socket, const std::string& target, const std::vector<std::string>& headers,
                           std::size_t frames) {
  socket.set_option(ws::stream_base::decorator([&headers](ws::request_type& request) {
    for (const auto& header : headers) {
      auto colon = header.find(':');
      request.set(header.substr(0, colon), header.substr(colon + 1));
    }
  }));
  socket.handshake("localhost", target);
  socket.write(asio::buffer(std::string("stream")));
  static const std::regex kSent("\"sent_ns\":([0-9]+)");
  std::vector<double> out;
  while (out.size() < frames) {
    beast::flat_buffer buffer;
    socket.read(buffer);
    auto at = saferun::test::monotonic_ns();
    auto text = beast::buffers_to_string(buffer.data());
    std::smatch match;
    if (std::regex_search(text, match, kSent)) out.push_back(static_cast<double>(at - std::stoll(match[1].str())) / 1000.0);
  }
  beast::get_lowest_layer(socket).close();  // no closing handshake: the fake streams on, never reading
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: ws_probe PORT TARGET N [--tls CA] [NAME:VALUE ...]\n";
    return 2;
  }
  const auto port = static_cast<unsigned short>(std::stoi(argv[1]));
  const std::string target = argv[2];
  const auto frames = static_cast<std::size_t>(std::stoul(argv[3]));
  std::string ca;
  std::vector<std::string> headers;
  for (int i = 4; i < argc; ++i) {
    if (std::string(argv[i]) == "--tls" && i + 1 < argc) {
      ca = argv[++i];
    } else {
      headers.emplace_back(argv[i]);
    }
  }
  asio::io_context io;
  tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
  std::vector<double> measured;
  if (ca.empty()) {
    ws::stream<tcp::socket> socket(io);
    socket.next_layer().connect(endpoint);
    measured = delays(socket, target, headers, frames);
  } else {
    asio::ssl::context tls(asio::ssl::context::tls_client);
    tls.load_verify_file(ca);
    tls.set_verify_mode(asio::ssl::verify_peer);
    ws::stream<beast::ssl_stream<tcp::socket>> socket(io, tls);
    socket.next_layer().next_layer().connect(endpoint);
    socket.next_layer().handshake(asio::ssl::stream_base::client);
    measured = delays(socket, target, headers, frames);
  }
  std::sort(measured.begin(), measured.end());
  double mean = std::accumulate(measured.begin(), measured.end(), 0.0) / static_cast<double>(measured.size());
  std::cout << "frames=" << measured.size() << " mean_us=" << mean << " p50_us=" << measured[measured.size() / 2]
            << " max_us=" << measured.back() << "\n";
  return 0;
}
