#include "broker/response_head.h"

#include <boost/beast/http/field.hpp>
#include <catch2/catch.hpp>
#include <string>
#include <utility>
#include <vector>

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
