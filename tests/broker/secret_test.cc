#include "broker/secret.h"

#include <catch2/catch.hpp>
#include <sstream>

using namespace saferun::broker;

TEST_CASE("a secret reveals its value only on request and prints redacted", "[secret]") {
  Secret secret("sk-test-value");
  CHECK(secret.reveal() == "sk-test-value");
  std::ostringstream out;
  out << secret;
  CHECK(out.str() == "<redacted 13 bytes>");
}

TEST_CASE("a moved-from secret is empty", "[secret]") {
  Secret a("value");
  Secret b(std::move(a));
  CHECK(a.empty());
  CHECK(b.reveal() == "value");
  Secret c;
  c = std::move(b);
  CHECK(b.empty());
  CHECK(c.reveal() == "value");
}

TEST_CASE("wipe clears a transient copy", "[secret]") {
  std::string copy = "transient";
  wipe(copy);
  CHECK(copy.empty());
}
