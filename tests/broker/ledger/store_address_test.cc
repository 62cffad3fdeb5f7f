#include "broker/ledger/store_address.h"

#include <catch2/catch.hpp>

using namespace saferun::broker::ledger;

TEST_CASE("redis, rediss and unix store URLs parse into an address", "[store_address]") {
  std::string why;
  auto plain = parse_store_address("redis://cache.internal:6380/2", why);
  REQUIRE(plain);
  CHECK(plain->kind == StoreAddress::Kind::tcp);
  CHECK(plain->host == "cache.internal");
  CHECK(plain->port == 6380);
  CHECK(plain->db == 2);

  auto tls = parse_store_address("rediss://fleet@redis.example.com", why);
  REQUIRE(tls);
  CHECK(tls->kind == StoreAddress::Kind::tls);
  CHECK(tls->username == "fleet");
  CHECK(tls->port == 6379);
  CHECK(tls->db == 0);
  CHECK(tls->display() == "rediss://fleet@redis.example.com:6379/0");

  auto local = parse_store_address("unix:///run/redis/redis.sock?db=3", why);
  REQUIRE(local);
  CHECK(local->kind == StoreAddress::Kind::unix_socket);
  CHECK(local->path == "/run/redis/redis.sock");
  CHECK(local->db == 3);
}

TEST_CASE("a password in the store URL is refused: it belongs in a secret source", "[store_address]") {
  std::string why;
  CHECK_FALSE(parse_store_address("redis://user:hunter2@host:6379/0", why));
  CHECK(why.find("secret source") != std::string::npos);
  CHECK(why.find("hunter2") == std::string::npos);
}

TEST_CASE("malformed store URLs are refused with a reason", "[store_address]") {
  for (const char* bad : {"http://host", "redis://", "redis://host:0", "redis://host:70000", "redis://host/x",
                          "redis://ho st", "unix://relative.sock", "unix:///s.sock?db=x", "unix:///s?x=1",
                          "redis://host:/0", "rediss://"}) {
    INFO(bad);
    std::string why;
    CHECK_FALSE(parse_store_address(bad, why));
    CHECK_FALSE(why.empty());
  }
}
