#include "broker/response_head.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace saferun::broker;

namespace {

std::vector<std::string> names_of(const UpstreamResponse& response) {
  std::vector<std::string> names;
  for (const auto& field : response) names.emplace_back(field.name_string());
  return names;
}

UpstreamResponse answer_with(const std::vector<std::pair<std::string, std::string>>& fields) {
  UpstreamResponse response{boost::beast::http::status::ok, 11};
  for (const auto& [name, value] : fields) response.insert(name, value);
  return response;
}

}  // namespace

TEST_CASE("an answer head keeps its end-to-end fields in order and loses the hop-by-hop ones", "[response_head]") {
  auto response = answer_with({{"Content-Type", "application/json"},
                               {"Connection", "keep-alive, X-Upstream-Private"},
                               {"Request-Id", "req_1"},
                               {"Transfer-Encoding", "chunked"},
                               {"X-Upstream-Private", "for the proxy only"},
                               {"Content-Length", "12"},
                               {"Keep-Alive", "timeout=5"},
                               {"Retry-After", "3"}});
  SecretRedactor redactor({"sk-ant-api03-QWERTYUIOP"});
  clean_response_head(response, redactor);
  CHECK(names_of(response) == std::vector<std::string>{"Content-Type", "Request-Id", "Retry-After"});
  CHECK(response["Retry-After"] == "3");
}

TEST_CASE("a field named by any of an answer's Connection headers stops at the broker", "[response_head]") {
  auto response = answer_with({{"Connection", "keep-alive"},
                               {"X-First", "named by the second Connection header"},
                               {"Connection", "X-First, X-Second"},
                               {"X-Second", "named too"},
                               {"Request-Id", "req_1"}});
  SecretRedactor redactor({"sk-ant-api03-QWERTYUIOP"});
  clean_response_head(response, redactor);
  CHECK(names_of(response) == std::vector<std::string>{"Request-Id"});
}

TEST_CASE("a secret in an answer's field name, value or reason is masked, the rest kept in order", "[response_head]") {
  const std::string key = "sk-ant-api03-QWERTYUIOP";
  auto response = answer_with({{"X-Echo", "key=" + key}, {"X-" + key, "1"}, {"Content-Type", "text/plain"}});
  response.reason("Bad " + key);
  SecretRedactor redactor({key});
  clean_response_head(response, redactor);
  const std::string stars(key.size(), '*');
  CHECK(names_of(response) == std::vector<std::string>{"X-Echo", "X-" + stars, "Content-Type"});
  CHECK(response["X-Echo"] == "key=" + stars);
  CHECK(std::string(response.reason()) == "Bad " + stars);
  for (const auto& field : response) CHECK(std::string(field.value()).find(key) == std::string::npos);
}

TEST_CASE("only identity or no Content-Encoding counts as readable", "[response_head]") {
  CHECK_FALSE(is_encoded(answer_with({})));
  CHECK_FALSE(is_encoded(answer_with({{"Content-Encoding", "Identity"}})));
  CHECK(is_encoded(answer_with({{"Content-Encoding", "gzip"}})));
  CHECK(is_encoded(answer_with({{"Content-Encoding", "br"}})));
}

TEST_CASE("a transfer coding besides chunked counts as unreadable, chunked alone as readable", "[response_head]") {
  CHECK_FALSE(is_encoded(answer_with({{"Transfer-Encoding", "chunked"}})));
  CHECK_FALSE(is_encoded(answer_with({{"Transfer-Encoding", "Chunked"}})));
  CHECK(is_encoded(answer_with({{"Transfer-Encoding", "gzip, chunked"}})));
  CHECK(is_encoded(answer_with({{"Transfer-Encoding", "gzip"}, {"Transfer-Encoding", "chunked"}})));
  CHECK(is_encoded(answer_with({{"Transfer-Encoding", "deflate"}})));
}
