#include "broker/response_head.h"

#include <boost/beast/http/field.hpp>
#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "broker/answer_parser.h"

using namespace saferun::broker;
namespace http = boost::beast::http;

namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

// A head as the answer parser fills it from Beast's parse (field by field).
AnswerHead answer_with(const Fields& fields, unsigned status = 200, std::string_view reason = "OK") {
  AnswerHead head;
  head.set_status(status, reason, 11);
  for (const auto& [name, value] : fields) head.add(name, value);
  return head;
}

std::string client_head(const AnswerHead& head, const SecretRedactor& redactor) {
  std::string out;
  append_client_head(out, head, redactor);
  return out;
}

const SecretRedactor kRedactor({"sk-ant-api03-QWERTYUIOP"});

// `bytes` (a whole answer head) as the answer parser takes it: whether it took the head as
// plain (put_head(), broker/plain_head_put.h: a plain head of 256 bytes or more keeps its
// lines as they came, so its text holds their line ends), and the client's head made from it.
struct ParsedHead {
  bool plain = false;
  std::string client_head;
};

ParsedHead parse_answer_head(std::string_view bytes, const SecretRedactor& redactor) {
  HeadArena arena;
  AnswerParser parser{HeadAllocator<char>(arena)};
  boost::beast::error_code ec;
  parser.put_head(bytes, ec);
  REQUIRE_FALSE(ec);
  REQUIRE(parser.is_header_done());
  return {parser.head().text().find("\r\n") != std::string_view::npos, client_head(parser.head(), redactor)};
}

// `text` with each `key` in it shown as <key>, for a failure message.
std::string hidden(std::string text, const std::string& key) {
  for (auto at = text.find(key); at != std::string::npos; at = text.find(key, at)) text.replace(at, key.size(), "<key>");
  return text;
}

// A random answer head, as bytes and as the fields a reader takes from it (values trimmed of
// the spaces and tabs around them): field names that pass, hop-by-hop ones, one a Connection
// field names, a Content-Length; values spaced `name: value` or otherwise, now and then empty;
// now and then the key in a name or a value.
struct RandomHead {
  std::string bytes;
  Fields fields;
};

RandomHead random_head(std::mt19937& random, const std::string& key) {
  static const std::vector<std::string> kNames = {"Date", "Content-Type", "request-id", "X-Upstream-Private",
                                                  "anthropic-ratelimit-requests-remaining", "Keep-Alive",
                                                  "Proxy-Authenticate", "cf-ray", "Server", "via"};
  static const std::vector<std::string> kSpaces = {": ", ":", ":  ", ": \t", ":\t", ": "};
  static const std::vector<std::string> kTrailing = {"", "", "", " ", "\t", "  "};
  auto pick = [&](const auto& list) { return list[random() % list.size()]; };
  RandomHead head;
  head.bytes = "HTTP/1.1 200 OK\r\n";
  auto add = [&](const std::string& name, const std::string& value) {
    head.bytes += name + pick(kSpaces) + value + pick(kTrailing) + "\r\n";
    head.fields.emplace_back(name, value);
  };
  const auto count = 8 + random() % 20;
  const auto length_at = random() % count;
  for (std::size_t i = 0; i < count; ++i) {
    if (i == length_at) add("Content-Length", "0");
    if (random() % 7 == 0) add("Connection", random() % 2 ? "keep-alive" : "keep-alive, X-Upstream-Private");
    std::string name = random() % 25 == 0 ? "X-" + key : pick(kNames);
    std::string value = random() % 12 == 0 ? "" : "v" + std::to_string(random() % 100000);
    if (random() % 3 == 0) value += value.empty() ? "with spaces\tand a tab" : " with spaces\tand a tab";
    if (random() % 25 == 0) value += (value.empty() ? "" : " ") + key;
    if (random() % 10 == 0) value += "\xe9t\xe9";  // obs-text passes as it is
    add(name, value);
  }
  while (head.bytes.size() < 300) add("X-Padding", "enough for the scan to take the head as plain");
  head.bytes += "\r\n";
  return head;
}

}  // namespace

TEST_CASE("an answer head keeps its end-to-end fields in order and loses the hop-by-hop ones", "[response_head]") {
  auto head = answer_with({{"Content-Type", "application/json"},
                           {"Connection", "keep-alive, X-Upstream-Private"},
                           {"Request-Id", "req_1"},
                           {"Transfer-Encoding", "chunked"},
                           {"X-Upstream-Private", "for the proxy only"},
                           {"Content-Length", "12"},
                           {"Keep-Alive", "timeout=5"},
                           {"Retry-After", "3"}});
  CHECK(client_head(head, kRedactor) ==
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nRequest-Id: req_1\r\nRetry-After: 3\r\n");
}

TEST_CASE("a field named by any of an answer's Connection headers stops at the broker", "[response_head]") {
  auto head = answer_with({{"Connection", "keep-alive"},
                           {"X-First", "named by the second Connection header"},
                           {"Connection", "X-First, X-Second"},
                           {"x-second", "named too, in another case"},
                           {"Request-Id", "req_1"}});
  CHECK(client_head(head, kRedactor) == "HTTP/1.1 200 OK\r\nRequest-Id: req_1\r\n");
}

TEST_CASE("a secret in an answer's field name, value or reason is masked, the rest kept in order", "[response_head]") {
  const std::string key = "sk-ant-api03-QWERTYUIOP";
  const std::string stars(key.size(), '*');
  auto head = answer_with({{"X-Echo", "key=" + key}, {"X-" + key, "1"}, {"Content-Type", "text/plain"}}, 400,
                          "Bad " + key);
  auto out = client_head(head, SecretRedactor({key}));
  CHECK(out == "HTTP/1.1 400 Bad " + stars + "\r\nX-Echo: key=" + stars + "\r\nX-" + stars +
                   ": 1\r\nContent-Type: text/plain\r\n");
  CHECK(out.find(key) == std::string::npos);
}

TEST_CASE("an answer's own reason phrase is kept, a missing one is the status's usual reason, and the version is 1.1",
          "[response_head]") {
  CHECK(client_head(answer_with({}, 429, "Slow Down"), kRedactor) == "HTTP/1.1 429 Slow Down\r\n");
  AnswerHead old;
  old.set_status(502, "", 10);
  CHECK(client_head(old, kRedactor) == "HTTP/1.1 502 Bad Gateway\r\n");
}

TEST_CASE("only identity or no Content-Encoding counts as readable", "[response_head]") {
  CHECK_FALSE(is_encoded(answer_with({})));
  CHECK_FALSE(is_encoded(answer_with({{"Content-Encoding", "Identity"}})));
  CHECK(is_encoded(answer_with({{"Content-Encoding", "gzip"}})));
  CHECK(is_encoded(answer_with({{"Content-Encoding", "br"}})));
  CHECK(is_encoded(answer_with({{"Content-Encoding", "identity, gzip"}})));
  CHECK_FALSE(is_encoded(answer_with({{"Content-Encoding", "identity"}, {"Content-Encoding", " Identity "}})));
}

TEST_CASE("a compressed answer is seen whichever of its Content-Encoding fields says so", "[response_head]") {
  // An upstream (or whatever sits between it and the broker) naming identity first and gzip
  // after would otherwise have its body relayed unscanned for secrets.
  CHECK(is_encoded(answer_with({{"Content-Encoding", "identity"}, {"Content-Encoding", "gzip"}})));
  CHECK(is_encoded(answer_with({{"content-encoding", "identity"}, {"X-Other", "1"}, {"CONTENT-ENCODING", "br"}})));
}

TEST_CASE("a transfer coding besides chunked counts as unreadable, chunked alone as readable", "[response_head]") {
  CHECK_FALSE(is_encoded(answer_with({{"Transfer-Encoding", "chunked"}})));
  CHECK_FALSE(is_encoded(answer_with({{"Transfer-Encoding", "Chunked"}})));
  CHECK(is_encoded(answer_with({{"Transfer-Encoding", "gzip, chunked"}})));
  CHECK(is_encoded(answer_with({{"Transfer-Encoding", "gzip"}, {"Transfer-Encoding", "chunked"}})));
  CHECK(is_encoded(answer_with({{"Transfer-Encoding", "deflate"}})));
}

TEST_CASE("a plain answer head's lines pass as they came; fields spaced otherwise are rebuilt as name: value",
          "[response_head]") {
  const std::string bytes =
      "HTTP/1.1 200 OK\r\nDate: Wed, 02 Dec 2026 16:00:00 GMT\r\nContent-Type: application/json\r\n"
      "Content-Length: 0\r\nConnection: keep-alive, X-Private\r\nrequest-id: req_011CVhB9s4mWxZkQeYJb2TfP\r\n"
      "X-Spaced:   three before, two after  \r\nX-Trailing: one before, one after \r\n"
      "X-Private: for the proxy only\r\nX-Tight:no space\r\n"
      "cf-cache-status: DYNAMIC\r\nX-Robots-Tag: none\r\nServer: cloudflare\r\nCF-RAY: 9a1b2c3d4e5f6a7b-FRA\r\n"
      "via: 1.1 google\r\nKeep-Alive: timeout=5\r\nX-Last: \tafter a tab\r\n\r\n";
  auto parsed = parse_answer_head(bytes, kRedactor);
  REQUIRE(parsed.plain);
  CHECK(parsed.client_head ==
        "HTTP/1.1 200 OK\r\nDate: Wed, 02 Dec 2026 16:00:00 GMT\r\nContent-Type: application/json\r\n"
        "request-id: req_011CVhB9s4mWxZkQeYJb2TfP\r\nX-Spaced: three before, two after\r\n"
        "X-Trailing: one before, one after\r\nX-Tight: no space\r\n"
        "cf-cache-status: DYNAMIC\r\nX-Robots-Tag: none\r\nServer: cloudflare\r\nCF-RAY: 9a1b2c3d4e5f6a7b-FRA\r\n"
        "via: 1.1 google\r\nX-Last: after a tab\r\n");
}

TEST_CASE("a secret in a plain answer head is masked in the line that holds it, the lines around it pass as they came",
          "[response_head]") {
  const std::string key = "sk-ant-api03-QWERTYUIOP";
  const std::string bytes = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 0\r\n"
                            "request-id: req_011CVhB9s4mWxZkQeYJb2TfP\r\nX-Echo: key=" + key +
                            "\r\nX-" + key + ": 1\r\ncf-cache-status: DYNAMIC\r\nServer: cloudflare\r\n"
                            "X-Robots-Tag: none\r\nCF-RAY: 9a1b2c3d4e5f6a7b-FRA\r\nvia: 1.1 google\r\n"
                            "strict-transport-security: max-age=31536000; includeSubDomains; preload\r\n\r\n";
  const std::string stars(key.size(), '*');
  auto parsed = parse_answer_head(bytes, SecretRedactor({key}));
  REQUIRE(parsed.plain);
  const auto& out = parsed.client_head;
  INFO("the client's head, its key hidden: " << hidden(out, key));
  CHECK((out == "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nrequest-id: req_011CVhB9s4mWxZkQeYJb2TfP\r\n"
               "X-Echo: key=" + stars + "\r\nX-" + stars + ": 1\r\ncf-cache-status: DYNAMIC\r\nServer: cloudflare\r\n"
               "X-Robots-Tag: none\r\nCF-RAY: 9a1b2c3d4e5f6a7b-FRA\r\nvia: 1.1 google\r\n"
               "strict-transport-security: max-age=31536000; includeSubDomains; preload\r\n"));
  CHECK(out.find(key) == std::string::npos);
}

TEST_CASE("a plain answer head gives the client the same head as its fields given one by one", "[response_head]") {
  const std::string key = "sk-ant-api03-QWERTYUIOP";
  const SecretRedactor redactor({key});
  std::mt19937 random(20261204);
  for (int round = 0; round < 3000; ++round) {
    auto head = random_head(random, key);
    INFO("round " << round << ", the head with its key hidden: " << hidden(head.bytes, key));
    auto [plain, parsed] = parse_answer_head(head.bytes, redactor);
    REQUIRE(plain);
    auto one_by_one = client_head(answer_with(head.fields), redactor);
    INFO("plain: " << hidden(parsed, key) << "one by one: " << hidden(one_by_one, key));
    CHECK((parsed == one_by_one));
    CHECK(parsed.find(key) == std::string::npos);
  }
}
