// Adversarial byte strings for the plain-head fast path (broker/plain_head.h, put_plain_head in
// broker/plain_head_put.h): each is put by RequestParser/AnswerParser::put_head and by Beast's
// own put() on the same bytes, and the two must leave the parser alike — the same error or
// none, the same start line and fields, the same framing, the same body after the head.
// The heads are grown past kPlainHeadWorthScanning so that put_head() really scans them.
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <catch2/catch.hpp>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "broker/answer_parser.h"
#include "broker/plain_head.h"
#include "broker/plain_head_put.h"
#include "broker/request_parser.h"
#include "tests/broker/head_paths.h"

using namespace saferun::broker;
using namespace saferun::broker::testing;
using namespace std::string_view_literals;

namespace {

namespace http = boost::beast::http;

bool scanned(std::string_view bytes, std::size_t limit, StartLine kind) {
  PlainHead plain;
  return bytes.size() >= kPlainHeadWorthScanning && scan_plain_head(bytes, limit, kind, plain);
}

std::string escaped(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// A field after the start line, the size of a real User-Agent, so the head is scanned.
const std::string kPad = "User-Agent: " + std::string(kPlainHeadWorthScanning, 'u') + "\r\n";

// `start` (no CRLF), the pad, `fields` (each line with its CRLF), the blank line, `body`.
std::string head_of(std::string_view start, std::string_view fields, std::string_view body = {}) {
  return std::string(start) + "\r\n" + kPad + std::string(fields) + "\r\n" + std::string(body);
}

void same_request(std::string_view bytes, std::size_t limit = kRequestHeadLimit) {
  const auto beast = request_outcome(bytes, Path::beast, limit);
  const auto fast = request_outcome(bytes, Path::fast, limit);
  INFO("bytes: " << escaped(bytes) << " (limit " << limit << ", scanned " << scanned(bytes, limit, StartLine::request) << ")");
  INFO("beast: " << escaped(beast.describe()));
  INFO("fast:  " << escaped(fast.describe()));
  CHECK(fast == beast);
}

void same_answer(std::string_view bytes, std::size_t limit = kAnswerHeadLimit, bool skip = false) {
  const auto beast = answer_outcome(bytes, Path::beast, limit, skip);
  const auto fast = answer_outcome(bytes, Path::fast, limit, skip);
  INFO("bytes: " << escaped(bytes) << " (limit " << limit << ", skip " << skip << ", scanned "
                 << scanned(bytes, limit, StartLine::status) << ")");
  INFO("beast: " << escaped(beast.describe()));
  INFO("fast:  " << escaped(fast.describe()));
  CHECK(fast == beast);
}

const std::string kSmuggled = "GET /smuggled HTTP/1.1\r\nHost: evil\r\n\r\n";

}  // namespace

// Beast reads the 8 bytes of "HTTP/x.y" before looking at them, so for a start line that ends
// within 3 bytes of where the version begins it reads past the CRLF: on the original bytes into
// the field lines (and refuses the version), on a framing head (start line, CRLF, CRLF) past
// its end (and would ask for more bytes, which never come). So the scan takes only start lines
// whose reads Beast gates by length lie inside the line (broker/plain_head.h, StartLine).
TEST_CASE("a start line too short to hold its version is refused by both paths alike", "[plain_head]") {
  for (auto start : {"GET / "sv, "GET / H"sv, "GET / HT"sv, "GET / HTT"sv}) same_request(head_of(start, "Host: h\r\n"));
  for (auto start : {"H"sv, "HT"sv, "HTT"sv}) same_answer(head_of(start, "Server: s\r\n"));
  // Beast: header_limit (the version's 8 bytes do not fit the limit); the framing head: need_more.
  same_request("GET / H\r\n\r\n" + std::string(kPlainHeadWorthScanning, 'b'), 12);
}

TEST_CASE("odd start lines get the same verdict on both paths", "[plain_head]") {
  for (auto start : {"GET / HTTP"sv, "GET / HTTP/"sv, "GET / HTTP/1."sv, "GET / HTTP/1.1 "sv, "GET  / HTTP/1.1"sv,
                     "GET / HTTP/1.2"sv, "GET / HTTP/0.9"sv, "GET / HTTP/2.0"sv, "GET / http/1.1"sv, "GET /"sv,
                     "GET"sv, "G~!#$ / HTTP/1.1"sv, "GET /\x80\xff HTTP/1.1"sv, "GET / / HTTP/1.1"sv,
                     "OPTIONS * HTTP/1.0"sv, "CONNECT h:443 HTTP/1.1"sv, "GET http://a/b HTTP/1.1"sv})
    same_request(head_of(start, "Host: h\r\nContent-Length: 3\r\n", "abc"));
  for (auto start : {"HTTP"sv, "HTTP/1.1"sv, "HTTP/1.1 "sv, "HTTP/1.1 200"sv, "HTTP/1.1 200 "sv, "HTTP/1.1 20 OK"sv,
                     "HTTP/1.1 2000 OK"sv, "HTTP/1.1 200 OK  "sv, "HTTP/1.1 200 \x80\xff"sv, "HTTP/1.2 200 OK"sv,
                     "HTTP/1.0 999 x"sv, "http/1.1 200 OK"sv})
    same_answer(head_of(start, "Content-Length: 2\r\n", "ok"));
  // Empty lines before the start line: Beast does not skip them.
  same_request("\r\n" + head_of("GET / HTTP/1.1", "Content-Length: 1\r\n", "x"));
  same_answer("\r\n" + head_of("HTTP/1.1 200 OK", "Content-Length: 1\r\n", "x"));
}

TEST_CASE("framing fields in any case, repeated or listed, frame the body alike on both paths", "[plain_head]") {
  const std::vector<std::string_view> framing_lines = {
      "CONTENT-LENGTH: 5\r\n", "cOnTeNt-LeNgTh:5\r\n", "Content-Length: 5, 5\r\n", "Content-Length: 5,5\r\n",
      "Content-Length: 5, 6\r\n", "Content-Length: ,5\r\n", "Content-Length: 5,\r\n", "Content-Length: \t5\t \r\n",
      "Content-Length: \r\n", "Content-Length: +5\r\n", "Content-Length: 0x5\r\n", "Content-Length: 18446744073709551616\r\n",
      "Content-Length: 5\r\nContent-Length: 5\r\n", "Content-Length: 5\r\ncontent-length: 6\r\n",
      "TRANSFER-ENCODING: CHUNKED\r\n", "Transfer-Encoding: gzip, chunked\r\n", "Transfer-Encoding: chunked, gzip\r\n",
      "Transfer-Encoding: chunked,\r\n", "Transfer-Encoding: ,chunked\r\n", "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
      "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n", "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
      "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", "Transfer-Encoding: identity\r\n", "Transfer-Encoding:\r\n",
      "Transfer-Encoding: \"chunked\"\r\n", "Transfer-Encoding: chunked;x=1\r\n"};
  const std::string body = "5\r\nhello\r\n0\r\n\r\n" + kSmuggled;
  for (auto line : framing_lines) {
    same_request(head_of("POST /v1/x HTTP/1.1", "Host: h\r\n" + std::string(line), body));
    same_request(head_of("POST /v1/x HTTP/1.0", std::string(line) + "Connection: keep-alive\r\n", body));
    same_answer(head_of("HTTP/1.1 200 OK", std::string(line) + "Server: s\r\n", body));
    same_answer(head_of("HTTP/1.1 200 OK", std::string(line), body), kAnswerHeadLimit, true);
    same_answer(head_of("HTTP/1.1 304 Not Modified", std::string(line), body));
  }
}

TEST_CASE("names that only look like framing fields do not frame on either path", "[plain_head]") {
  for (auto line : {"Content-Length~: 5\r\n"sv, "Content_Length: 5\r\n"sv, "Content-Lengths: 5\r\n"sv,
                    "Content-Lengt: 5\r\n"sv, "Content-Length : 5\r\n"sv, " Content-Length: 5\r\n"sv,
                    "\tContent-Length: 5\r\n"sv, "Content-Length\t: 5\r\n"sv, "Transfer-Encodin: chunked\r\n"sv,
                    "Transfer-Encoding~: chunked\r\n"sv, "X-Transfer-Encoding: chunked\r\n"sv,
                    "Content-Length\x80: 5\r\n"sv, "Content-Length:5\r\n"sv,
                    "Connection~: close\r\n"sv, "Proxy_Connection: close\r\n"sv, "Upgrade^: websocket\r\n"sv,
                    "Upgrade~: websocket\r\n"sv}) {
    same_request(head_of("POST / HTTP/1.1", "Host: h\r\n" + std::string(line), "hello" + kSmuggled));
    same_answer(head_of("HTTP/1.1 200 OK", std::string(line), "hello"));
  }
}

TEST_CASE("keep-alive and upgrade lists agree across versions on both paths", "[plain_head]") {
  for (auto version : {"HTTP/1.0"sv, "HTTP/1.1"sv}) {
    for (auto line : {"Connection: close\r\n"sv, "Connection: keep-alive\r\n"sv, "Connection: Keep-Alive, Upgrade\r\n"sv,
                      "Connection: close, keep-alive\r\n"sv, "Connection: ,,close,,\r\n"sv, "Connection: \"close\"\r\n"sv,
                      "Connection: clo se\r\n"sv, "Connection:\r\n"sv, "Proxy-Connection: keep-alive\r\n"sv,
                      "Proxy-Connection: close\r\nConnection: keep-alive\r\n"sv, "Upgrade: websocket\r\n"sv,
                      "Connection: upgrade\r\nUpgrade: websocket\r\n"sv, "Upgrade:\r\nConnection: Upgrade\r\n"sv,
                      "connection: KEEP-ALIVE\r\nconnection: close\r\n"sv}) {
      same_request(head_of(std::string("GET / ") + std::string(version), "Host: h\r\n" + std::string(line), kSmuggled));
      same_answer(head_of(std::string(version) + " 200 OK", std::string(line), "to the close"));
      same_answer(head_of(std::string(version) + " 101 Switching Protocols", std::string(line), "frames"));
    }
  }
}

TEST_CASE("values with blanks, obs-text, DEL, NUL, bare CR or LF, and folds agree on both paths", "[plain_head]") {
  for (auto line : {"X-A:\r\n"sv, "X-A: \t \r\n"sv, "X-A:\t v \t\r\n"sv, "X-A: a\tb\r\n"sv, "X-A: caf\xc3\xa9\r\n"sv,
                    "X-A: \x80\xff\r\n"sv, "X-A: a\x7f\r\n"sv, "X-A: a\0b\r\n"sv, "X-A: a\rb\r\n"sv, "X-A: a\nb\r\n"sv,
                    "X-A: a\r\n b\r\n"sv, "X-A: a\r\n\tb\r\n"sv, "X-A:\r\n b\r\n"sv, "Content-Length: 5\r\n 5\r\n"sv,
                    "Transfer-Encoding: gzip\r\n ,chunked\r\n"sv, "X-A: a\n"sv, "X-A: a\r\r\n"sv, "X-A: \x1b[0m\r\n"sv,
                    "X-A: \x01\r\n"sv, "X-A: a\x0b\r\n"sv, "X-A: a\x0c\r\n"sv, "X-A\x7f: a\r\n"sv, ": a\r\n"sv,
                    "X-A\r\n"sv, "X-A a: b\r\n"sv, "X-A:a:b\r\n"sv, "X-\x80: a\r\n"sv, "\r\r\n"sv, "\r \r\n"sv}) {
    same_request(head_of("POST / HTTP/1.1", "Host: h\r\n" + std::string(line) + "Content-Length: 5\r\n", "hello" + kSmuggled));
    same_answer(head_of("HTTP/1.1 200 OK", std::string(line) + "Transfer-Encoding: chunked\r\n", "5\r\nhello\r\n0\r\n\r\n"));
  }
}

// The scan looks for stop bytes in blocks of 64 (compared 16 at a time with SSE2): one control
// byte, or the line end, at every offset across several blocks and the partial last block.
TEST_CASE("a control byte or line end at any offset gets the same verdict on both paths", "[plain_head]") {
  const std::string base =
      head_of("POST /v1/x HTTP/1.1", "Host: h\r\nX-Long: " + std::string(200, 'v') + "\r\nContent-Length: 5\r\n", "hello");
  for (char stop : {'\0', '\x01', '\x7f', '\r', '\n', '\t', '\x1f'}) {
    for (std::size_t at = 0; at < base.size() - 5; ++at) {
      std::string bytes = base;
      bytes[at] = stop;
      same_request(bytes);
      bytes.insert(at, 1, stop);
      same_request(bytes);
    }
  }
}

TEST_CASE("heads at the header limit, the scan's thresholds and the framing head's size agree on both paths",
          "[plain_head]") {
  const std::string start = "POST / HTTP/1.1";
  const std::string head = head_of(start, "Content-Length: 5\r\n", "hello");
  const auto head_size = head.size() - 5;
  const auto fields_size = head_size - start.size() - 2;
  for (std::size_t limit : {start.size() + 1, start.size() + 2, start.size() + 3, fields_size - 1, fields_size,
                            fields_size + 1, head_size - 3, head_size - 2, head_size - 1, head_size, head_size + 1})
    same_request(head, limit);
  // Around kPlainHeadWorthScanning: the same head one byte short of it, at it, past it.
  const std::string small = "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nX-P: ";
  for (std::size_t total = kPlainHeadWorthScanning - 2; total <= kPlainHeadWorthScanning + 2; ++total) {
    const auto pad = total - small.size() - 4 - 5 - kSmuggled.size();
    same_request(small + std::string(pad, 'p') + "\r\n\r\nhello" + kSmuggled);
  }
  // Framing heads around PlainHead::kMaxFramingBytes (2048): long framing values.
  for (std::size_t size = 1990; size <= 2060; ++size) {
    const std::string framing = "Connection: " + std::string(size - 40, 'k') + "\r\nContent-Length: 5\r\n";
    same_request(head_of("POST / HTTP/1.1", framing, "hello" + kSmuggled));
    same_answer(head_of("HTTP/1.1 200 OK", "Transfer-Encoding: chunked\r\n" + framing, "5\r\nhello\r\n0\r\n\r\n"));
  }
}

TEST_CASE("heads with 63 to 66 fields, the framing field last, agree on both paths", "[plain_head]") {
  for (std::size_t count = 62; count <= 66; ++count) {  // the pad is one more field
    std::string fields;
    for (std::size_t i = 0; i < count; ++i) fields += "X-F" + std::to_string(i) + ": v\r\n";
    same_request(head_of("POST / HTTP/1.1", fields + "Content-Length: 5\r\n", "hello" + kSmuggled));
    same_request(head_of("POST / HTTP/1.1", fields + "Transfer-Encoding: chunked\r\n", "5\r\nhello\r\n0\r\n\r\n" + kSmuggled));
    same_answer(head_of("HTTP/1.1 200 OK", fields + "Content-Length: 2\r\n", "ok"));
  }
}
