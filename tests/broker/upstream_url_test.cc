#include "broker/upstream_url.h"

#include <catch2/catch.hpp>

using namespace saferun::broker;

TEST_CASE("an https upstream parses into origin and base path", "[upstream_url]") {
  std::string why;
  auto url = parse_upstream_url("https://api.openai.com/v1/", why);
  REQUIRE(url);
  CHECK(url->tls);
  CHECK(url->host == "api.openai.com");
  CHECK(url->port == 443);
  CHECK(url->base_path == "/v1");
  CHECK(url->origin() == "https://api.openai.com");
  CHECK(url->url_for("/chat/completions") == "https://api.openai.com/v1/chat/completions");
}

TEST_CASE("ports and IPv6 literals are kept in the origin", "[upstream_url]") {
  std::string why;
  auto url = parse_upstream_url("http://[::1]:8080", why);
  REQUIRE(url);
  CHECK(url->host == "::1");
  CHECK(url->origin() == "http://[::1]:8080");
  auto upper = parse_upstream_url("HTTPS://API.Example.COM:8443/base", why);
  REQUIRE(upper);
  CHECK(upper->origin() == "https://api.example.com:8443");
}

TEST_CASE("malformed upstream URLs are refused with a reason", "[upstream_url]") {
  for (const char* bad : {"ftp://x", "api.anthropic.com", "https://", "https://user:pw@host",
                          "https://host:0", "https://host:99999", "https://host:", "https://host/a?b",
                          "https://host/a#b", "https://ho st", "https://host/../x", "https://[::1"}) {
    INFO(bad);
    std::string why;
    CHECK_FALSE(parse_upstream_url(bad, why));
    CHECK_FALSE(why.empty());
  }
}

TEST_CASE("loopback hosts are recognised", "[upstream_url]") {
  CHECK(is_loopback_host("127.0.0.1"));
  CHECK(is_loopback_host("127.1.2.3"));
  CHECK(is_loopback_host("localhost"));
  CHECK(is_loopback_host("::1"));
  CHECK_FALSE(is_loopback_host("10.0.0.1"));
  CHECK_FALSE(is_loopback_host("127.0.0.1.evil.example"));
  CHECK_FALSE(is_loopback_host("localhost.evil.example"));
}
