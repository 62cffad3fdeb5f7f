#include "broker/header_policy.h"

#include <catch2/catch.hpp>

#include "broker/flat_fields.h"

using namespace saferun::broker;

TEST_CASE("method and URL override headers never reach the upstream", "[header_policy]") {
  for (const char* name : {"x-http-method-override", "x-http-method", "x-method-override", "x-original-method",
                           "x-original-url", "x-rewrite-url", "x-override-url", "x-forwarded-for", "x-forwarded-host",
                           "x-forwarded-proto", "x-forwarded-prefix", "x-forwarded-path", "forwarded", "x-real-ip"}) {
    INFO(name);
    CHECK_FALSE(forwards_request_header(name, {}, "x-api-key"));
  }
  CHECK(forwards_request_header("anthropic-version", {}, "x-api-key"));
}

TEST_CASE("the client's accept-encoding is not forwarded: the broker asks for identity", "[header_policy]") {
  CHECK_FALSE(forwards_request_header("accept-encoding", {}, "x-api-key"));
}

TEST_CASE("no hop-by-hop, credential or recomputed header reaches the upstream; others of the same lengths do",
          "[header_policy]") {
  for (const char* name : {"connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization",
                           "te", "trailer", "transfer-encoding", "upgrade", "authorization", "x-api-key", "api-key",
                           "cookie", "x-goog-api-key", "host", "content-length", "expect", "accept-encoding",
                           "x-client-ip", "true-client-ip", "x-forwarded-", "x-forwarded-a-very-long-name-indeed"}) {
    INFO(name);
    CHECK_FALSE(forwards_request_header(name, {}, "x-api-key"));
  }
  // Names one byte off a refused one, or of the same length: each is compared, not guessed.
  for (const char* name : {"connectio", "connections", "connectiom", "t", "tf", "te-", "x-api-kez", "x-api-keys",
                           "content-type", "user-agent", "anthropic-beta", "x-stainless-lang", "accept",
                           "x-forwarde", "x-http-method-overridf", "x-http-method-override-x", "a-very-long-header-name-past-them-all"}) {
    INFO(name);
    CHECK(forwards_request_header(name, {}, "x-api-key"));
  }
  CHECK_FALSE(forwards_request_header("anthropic-version", {"anthropic-version"}, "x-api-key"));
  CHECK_FALSE(forwards_request_header("x-custom-key", {}, "x-custom-key"));
  CHECK_FALSE(forwards_request_header("", {}, "x-api-key"));
}

TEST_CASE("request header names are refused or let through whatever their case", "[header_policy]") {
  for (const char* name : {"X-API-Key", "Connection", "X-Forwarded-For", "HOST", "Accept-Encoding", "X-Custom-Key",
                           "X-Foo"}) {
    INFO(name);
    CHECK_FALSE(forwards_request_header(name, {"x-foo"}, "x-custom-key"));
  }
  for (const char* name : {"Anthropic-Version", "Content-Type", "X-Stainless-Lang", "X-Fooo"}) {
    INFO(name);
    CHECK(forwards_request_header(name, {"x-foo"}, "x-custom-key"));
  }
}

TEST_CASE("answer header names are stopped or let through whatever their case", "[header_policy]") {
  const ConnectionTokens listed = connection_tokens("Keep-Alive, X-Private");
  for (const char* name : {"Connection", "KEEP-ALIVE", "Transfer-Encoding", "Upgrade", "TE", "Trailer",
                           "Proxy-Authenticate", "X-PRIVATE", "x-private"}) {
    INFO(name);
    CHECK_FALSE(forwards_response_header(name, listed));
  }
  for (const char* name : {"Request-Id", "Retry-After", "anthropic-ratelimit-requests-remaining", "X-Privat",
                           "X-Private-", "Content-Encoding", "Tee"}) {
    INFO(name);
    CHECK(forwards_response_header(name, listed));
  }
}

TEST_CASE("a Connection field's tokens are lower-cased once and looked up in any case", "[header_policy]") {
  const ConnectionTokens tokens = connection_tokens(" Keep-Alive ,X-Foo,, x-foo ");
  CHECK(tokens == ConnectionTokens{"keep-alive", "x-foo"});
  CHECK(tokens.contains("KEEP-alive"));
  CHECK(tokens.contains("X-FOO"));
  CHECK_FALSE(tokens.contains("x-fo"));
  CHECK_FALSE(tokens.contains("x-fooo"));
}

TEST_CASE("the names Connection fields list are gathered from every field, hop-by-hop ones left out", "[header_policy]") {
  boost::beast::http::fields fields;
  fields.insert(boost::beast::http::field::connection, "Keep-Alive, Upgrade");
  CHECK(connection_listed_names(fields).empty());  // what real clients and providers send
  fields.insert(boost::beast::http::field::connection, " close,X-Private ,, TE");
  CHECK(connection_listed_names(fields) == ConnectionTokens{"close", "x-private"});  // a field called Close is dropped too
}

TEST_CASE("the names listed in a parsed head's Connection fields are gathered the same way", "[header_policy]") {
  // The broker's own head storage (broker/flat_fields.h), as the request and answer parsers fill it.
  FlatFields fields;
  fields.reset("");
  fields.add("Connection", "keep-alive");
  fields.add("X-Private", "p");
  CHECK(connection_listed_names(fields).empty());
  fields.add("connection", "X-Private, upgrade");
  CHECK(connection_listed_names(fields) == ConnectionTokens{"x-private"});
}
