// The plain-head fast path (broker/plain_head.h) against Beast's own parse of the same bytes:
// over real heads and many thousand mutations of them, a head the scan takes must leave the
// parser — fields, start line, framing, keep-alive, upgrade, the body that follows — exactly
// where Beast's byte-by-byte parse leaves it, and an error must be the same error.
#include "broker/plain_head.h"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <catch2/catch.hpp>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "broker/answer_parser.h"
#include "broker/plain_head_put.h"
#include "broker/request_parser.h"
#include "broker/response_head.h"
#include "broker/secret_redactor.h"
#include "tests/broker/head_paths.h"

using namespace saferun::broker;
using namespace saferun::broker::testing;
using namespace std::string_view_literals;
namespace http = boost::beast::http;

namespace {

// Claude Code's request head (bench/claude_request_head.txt) and a provider's answer head.
constexpr std::string_view kClaudeRequest =
    "POST /anthropic/v1/messages?beta=true HTTP/1.1\r\nHost: 127.0.0.1:41234\r\nAccept: application/json\r\n"
    "User-Agent: claude-cli/2.1.332 (external, sdk-cli)\r\n"
    "X-Claude-Code-Session-Id: 5b0e8f6a-2c47-4d19-9a3e-7f1c2d8e4b60\r\nX-Stainless-Arch: x64\r\n"
    "X-Stainless-Lang: js\r\nX-Stainless-OS: Linux\r\nX-Stainless-Package-Version: 0.128.0\r\n"
    "X-Stainless-Retry-Count: 0\r\nX-Stainless-Runtime: node\r\nX-Stainless-Runtime-Version: v26.12.1\r\n"
    "X-Stainless-Timeout: 600\r\nanthropic-beta: claude-code-20250219,interleaved-thinking-2025-05-14\r\n"
    "anthropic-dangerous-direct-browser-access: true\r\nanthropic-version: 2023-06-01\r\nx-app: cli\r\n"
    "Connection: keep-alive\r\nAccept-Encoding: gzip, deflate, br, zstd\r\nx-api-key: srt_token\r\n"
    "content-type: application/json\r\nContent-Length: 17\r\n\r\n{\"model\":\"opus\"}\n";

constexpr std::string_view kProviderAnswer =
    "HTTP/1.1 200 OK\r\nDate: Wed, 02 Dec 2026 16:00:00 GMT\r\nContent-Type: application/json\r\n"
    "Content-Length: 11\r\nConnection: keep-alive\r\nanthropic-ratelimit-requests-remaining: 3999\r\n"
    "anthropic-ratelimit-tokens-reset: 2026-12-02T16:00:01Z\r\nrequest-id: req_011CVhB9s4mWxZkQeYJb2TfP\r\n"
    "strict-transport-security: max-age=31536000; includeSubDomains; preload\r\nvia: 1.1 google\r\n"
    "X-Robots-Tag: none\r\nServer: cloudflare\r\nCF-RAY: 9a1b2c3d4e5f6a7b-FRA\r\n\r\n{\"id\":\"m\"}";

const std::vector<std::string_view> kShortRequests = {
    kClaudeRequest,
    "GET /v1/models HTTP/1.1\r\nHost: localhost:8080\r\nx-api-key: t\r\n\r\n",
    "POST /v1/responses HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    "POST /v1/x HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 3\r\n\r\nabc",
    "GET /v1/responses HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
    "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
    "HEAD / HTTP/1.1\r\nHost: h\r\nX-Empty:\r\nX-Spaces:   \t padded value \t \r\n\r\n",
};

const std::vector<std::string_view> kShortAnswers = {
    kProviderAnswer,
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
    "6\r\ndata: \r\n0\r\n\r\n",
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\"read\":\"to the close\"}",
    "HTTP/1.0 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
    "HTTP/1.1 204 No Content\r\nrequest-id: r\r\n\r\n",
    "HTTP/1.1 100 Continue\r\n\r\n",
    "HTTP/1.1 429 Too Many Requests\r\nretry-after: 7\r\nContent-Length: 0\r\n\r\n",
};

// answer_outcome() for an answer to anything but a HEAD request.
Outcome plain_answer_outcome(std::string_view bytes, Path path, std::size_t limit) { return answer_outcome(bytes, path, limit); }

bool scan_takes(std::string_view bytes, std::size_t limit, StartLine kind = StartLine::request) {
  PlainHead plain;
  return scan_plain_head(bytes, limit, kind, plain);
}

// Whether put_head() takes these bytes by the scan (fewer than kPlainHeadWorthScanning go to
// Beast whole).
bool fast_path_takes(std::string_view bytes, std::size_t limit, StartLine kind = StartLine::request) {
  return bytes.size() >= kPlainHeadWorthScanning && scan_takes(bytes, limit, kind);
}

// A short head grown past kPlainHeadWorthScanning by a field the size of a real User-Agent,
// after its start line, so that put_head() scans it.
std::string grown(std::string_view head) {
  const auto start_end = head.find("\r\n") + 2;
  return std::string(head.substr(0, start_end)) + "User-Agent: " + std::string(kPlainHeadWorthScanning, 'u') +
         "\r\n" + std::string(head.substr(start_end));
}

std::vector<std::string> all_grown(const std::vector<std::string_view>& heads) {
  std::vector<std::string> all;
  for (auto head : heads) all.push_back(head.size() >= kPlainHeadWorthScanning ? std::string(head) : grown(head));
  return all;
}

const std::vector<std::string> kRequests = all_grown(kShortRequests);
const std::vector<std::string> kAnswers = all_grown(kShortAnswers);

// Lines a mutation may insert: the framing fields Beast acts on, in forms it takes and refuses,
// and the shapes of field a plain head must not have.
const std::vector<std::string_view> kInsertedLines = {
    "Content-Length: 5\r\n",       "content-length: 0\r\n",         "Content-Length: 5, 5\r\n",
    "Content-Length: 3\r\n",       "Content-Length: -1\r\n",        "Content-Length: 99999999999999999999\r\n",
    "Transfer-Encoding: chunked\r\n", "transfer-encoding: gzip, chunked\r\n", "Transfer-Encoding: chunked, gzip\r\n",
    "Transfer-Encoding: identity\r\n", "Connection: close\r\n",     "Connection: keep-alive, Upgrade\r\n",
    "Proxy-Connection: close\r\n", "Upgrade: websocket\r\n",        "CONTENT-LENGTH: 2\r\n",
    "X-Folded: a\r\n b\r\n",       "X-Tab:\tv\r\n",                  " Leading: space\r\n",
    "Bad Name: v\r\n",             ": no name\r\n",                  "NoColon\r\n",
    "X-Bare-LF: v\n",              "X-Bare-CR: v\rw\r\n",             "X-Obs-Text: caf\xc3\xa9\r\n",
    "X-Del: a\x7f\r\n",            "X-Nul: a\0b\r\n"sv,                "X-Trailing: v  \r\n",
    "X-Colon-In-Value: a:b\r\n",   "x-api-key: second\r\n",          "Expect: 100-continue\r\n",
};

constexpr std::string_view kInterestingBytes = "\r\n\t :,;\"()/\\\x7f\x80\xff\x01\0Aa0-=~"sv;

class Mutator {
 public:
  explicit Mutator(std::uint32_t seed) : random_(seed) {}

  std::string mutate(std::string_view original) {
    std::string bytes(original);
    const auto edits = 1 + pick(3);
    for (std::size_t i = 0; i < edits; ++i) edit(bytes);
    return bytes;
  }

 private:
  std::size_t pick(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(random_); }

  // Mostly within the head, where the two paths differ.
  std::size_t position(const std::string& bytes) {
    const auto head_end = bytes.find("\r\n\r\n");
    const auto span = head_end == std::string::npos ? bytes.size() : head_end + 4;
    return pick(span + 1);
  }

  std::size_t line_start(const std::string& bytes) {
    std::vector<std::size_t> starts;
    for (std::size_t at = bytes.find("\r\n"); at != std::string::npos && at + 2 < bytes.size(); at = bytes.find("\r\n", at + 2)) {
      starts.push_back(at + 2);
      if (bytes.compare(at, 4, "\r\n\r\n") == 0) break;
    }
    return starts.empty() ? 0 : starts[pick(starts.size())];
  }

  void edit(std::string& bytes) {
    switch (pick(7)) {
      case 0: bytes.insert(position(bytes), 1, kInterestingBytes[pick(kInterestingBytes.size())]); break;
      case 1:
        if (auto at = position(bytes); at < bytes.size()) bytes[at] = kInterestingBytes[pick(kInterestingBytes.size())];
        break;
      case 2:
        if (auto at = position(bytes); at < bytes.size()) bytes.erase(at, 1);
        break;
      case 3: bytes.insert(line_start(bytes), kInsertedLines[pick(kInsertedLines.size())]); break;
      case 4: {  // a line repeated
        const auto at = line_start(bytes);
        const auto end = bytes.find("\r\n", at);
        if (end != std::string::npos) bytes.insert(at, bytes.substr(at, end + 2 - at));
        break;
      }
      case 5:
        if (auto at = position(bytes); at < bytes.size()) bytes[at] = static_cast<char>(bytes[at] ^ 0x20);
        break;
      default:
        if (auto at = position(bytes); at < bytes.size()) bytes.erase(at);  // cut short
        break;
    }
  }

  std::mt19937 random_;
};

struct Tally {
  int taken = 0;
  int taken_and_refused = 0;
  int declined = 0;
};

template <class OutcomeOf>
void compare_paths(std::string_view bytes, std::size_t limit, StartLine kind, OutcomeOf outcome_of, Tally& tally) {
  const bool taken = fast_path_takes(bytes, limit, kind);
  const auto beast = outcome_of(bytes, Path::beast, limit);
  const auto fast = outcome_of(bytes, Path::fast, limit);
  if (!taken) ++tally.declined;
  if (taken) ++(beast.head_error ? tally.taken_and_refused : tally.taken);
  INFO("bytes: " << std::string(bytes));
  INFO("beast: " << beast.describe());
  INFO("fast:  " << fast.describe());
  REQUIRE(fast == beast);
}

// 30,000 mutants of `heads`. Not vacuous: many are taken by the scan (13,000 or so), some of
// those refused by Beast on the framing head (1,300 or so) and many left to Beast.
template <class OutcomeOf>
void compare_mutants(const std::vector<std::string>& heads, std::size_t limit, StartLine kind, OutcomeOf outcome_of,
                     std::uint32_t seed) {
  Mutator mutator(seed);
  Tally tally;
  for (std::size_t i = 0; i < 30000; ++i) compare_paths(mutator.mutate(heads[i % heads.size()]), limit, kind, outcome_of, tally);
  CHECK(tally.taken > 5000);
  CHECK(tally.taken_and_refused > 500);
  CHECK(tally.declined > 5000);
}

}  // namespace

TEST_CASE("value stops found 16 bytes at a time are the ones a byte-by-byte look finds, every byte at every place",
          "[plain_head]") {
  // Bit i depends on byte i alone, so every value at every place, over bytes that do not stop
  // and over bytes that do, covers every block.
  for (char background : {'a', '\x01'}) {
    std::array<char, 64> block;
    block.fill(background);
    for (std::size_t at = 0; at < block.size(); ++at) {
      for (int value = 0; value < 256; ++value) {
        block[at] = static_cast<char>(value);
        INFO("byte " << value << " at " << at);
        REQUIRE(value_stops(block.data()) == value_stops_bytewise(block.data()));
      }
      block[at] = background;
    }
  }
  CHECK(value_stops_bytewise(std::string(64, 'a').c_str()) == 0);
  CHECK(value_stops_bytewise((std::string(63, '\t') + '\x7f').c_str()) == std::uint64_t{1} << 63);
}

TEST_CASE("a plain head taken by the fast path leaves the parser where Beast's own parse does", "[plain_head]") {
  Tally tally;
  for (auto request : kRequests) compare_paths(request, kRequestHeadLimit, StartLine::request, request_outcome, tally);
  for (auto answer : kAnswers) compare_paths(answer, kAnswerHeadLimit, StartLine::status, plain_answer_outcome, tally);
  CHECK(tally.taken == static_cast<int>(kRequests.size() + kAnswers.size()));  // every real head is plain
}

TEST_CASE("mutated request heads get the same verdict, fields, framing and body on both paths", "[plain_head]") {
  compare_mutants(kRequests, kRequestHeadLimit, StartLine::request, request_outcome, 20261203);
}

TEST_CASE("mutated answer heads get the same verdict, fields, framing and body on both paths", "[plain_head]") {
  compare_mutants(kAnswers, kAnswerHeadLimit, StartLine::status, plain_answer_outcome, 3122026);
}

// Beast bounds the start line and the fields each by the limit; the scan takes a head only when
// the whole of it is within the limit, and leaves the rest to Beast.
TEST_CASE("around the header limit both paths agree, and a head over it is refused", "[plain_head]") {
  const std::string start = "GET / HTTP/1.1\r\n";
  const std::string head = start + "Host: h\r\nX-Pad: " + std::string(kPlainHeadWorthScanning, 'p') + "\r\n\r\n";
  const auto fields_size = head.size() - start.size();
  CHECK(fast_path_takes(head, head.size()));
  CHECK_FALSE(fast_path_takes(head, head.size() - 1));
  Tally tally;
  for (auto limit : {fields_size - 1, fields_size, head.size() - 1, head.size(), head.size() + 1})
    compare_paths(head, limit, StartLine::request, request_outcome, tally);
  CHECK(request_outcome(head, Path::fast, fields_size - 1).head_error == http::error::header_limit);
}

TEST_CASE("heads the scan leaves to Beast: obs-fold, bare LF, control bytes, odd names, too many fields", "[plain_head]") {
  const std::string start = "GET / HTTP/1.1\r\n";
  for (auto line : {"X-Folded: a\r\n b\r\n"sv, "X-Bare-LF: v\n"sv, "X-Nul: a\0b\r\n"sv, "Bad Name: v\r\n"sv, ": v\r\n"sv,
                    "NoColon\r\n"sv, "X-Del: \x7f\r\n"sv, "X-CR: a\rb\r\n"sv}) {
    const std::string head = start + std::string(line) + "\r\n";
    INFO(head);
    CHECK_FALSE(scan_takes(head, 8192));
  }
  std::string many = start;
  for (std::size_t i = 0; i <= PlainHead::kMaxFields; ++i) many += "X-F" + std::to_string(i) + ": v\r\n";
  CHECK_FALSE(scan_takes(many + "\r\n", 8192));
  CHECK_FALSE(scan_takes(start + "Host: h\r\n", 8192));  // not whole yet
  CHECK(scan_takes(start + "X-Obs-Text: caf\xc3\xa9\r\nX-Tab:\tv\r\n\r\n", 8192));  // Beast takes both
}

// An interim answer and the final one in one read: the exchange puts the buffer into a fresh
// parser for each (proxy_exchange.cc, read_response_head).
TEST_CASE("an interim answer and the final one in one buffer are split where Beast splits them", "[plain_head]") {
  const std::string bytes = "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload; as=style\r\n\r\n" + kAnswers[0];
  REQUIRE(fast_path_takes(bytes, kAnswerHeadLimit, StartLine::status));
  std::size_t split[2] = {};
  for (auto path : {Path::beast, Path::fast}) {
    AnswerParser interim;
    Outcome outcome;
    REQUIRE(put_head_by(path, interim, bytes, kAnswerHeadLimit, outcome));
    CHECK(interim.head().status() == 103);
    CHECK(interim.is_done());
    split[path == Path::fast] = outcome.head_used;
  }
  CHECK(split[0] == split[1]);
  const auto final_answer = std::string_view(bytes).substr(split[1]);
  CHECK(plain_answer_outcome(final_answer, Path::fast, kAnswerHeadLimit) ==
        plain_answer_outcome(final_answer, Path::beast, kAnswerHeadLimit));
}

// A head taken by the scan keeps its lines as they came (separators included) for the one scan
// that decides whether any field needs masking (response_head.cc).
TEST_CASE("a secret in a scanned answer head is masked as in one Beast parsed", "[plain_head]") {
  const std::string key = "sk-ant-api03-QWERTYUIOP";
  const std::string bytes = grown("HTTP/1.1 400 Bad Request\r\nX-Echo: key=" + key + "\r\nX-" + key +
                                  ": 1\r\nContent-Length: 0\r\n\r\n");
  REQUIRE(fast_path_takes(bytes, kAnswerHeadLimit, StartLine::status));
  std::string relayed[2];
  for (auto path : {Path::beast, Path::fast}) {
    AnswerParser parser;
    Outcome outcome;
    REQUIRE(put_head_by(path, parser, bytes, kAnswerHeadLimit, outcome));
    append_client_head(relayed[path == Path::fast], parser.head(), SecretRedactor({key}));
  }
  CHECK(relayed[0] == relayed[1]);
  CHECK(relayed[1].find(key) == std::string::npos);
  CHECK(relayed[1].find("X-Echo: key=" + std::string(key.size(), '*')) != std::string::npos);
}
