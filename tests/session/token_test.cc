#include "session/token.h"

#include <array>
#include <catch2/catch.hpp>
#include <string_view>

using namespace saferun::session;

TEST_CASE("a caller token is the prefix and 64 hex digits", "[token]") {
  auto token = make_caller_token();
  auto text = token.reveal();
  REQUIRE(text.size() == kTokenPrefix.size() + 64);
  CHECK(text.substr(0, 4) == "srt_");
  CHECK(text.substr(4).find_first_not_of("0123456789abcdef") == std::string_view::npos);
}

TEST_CASE("every token and session id is new", "[token]") {
  auto a = make_caller_token();
  auto b = make_caller_token();
  CHECK(a.reveal() != b.reveal());
  CHECK(make_session_id() != make_session_id());
  CHECK(make_session_id().size() == 12);
}

TEST_CASE("token digits are spread evenly over all sixteen values", "[token]") {
  std::array<int, 16> seen{};
  for (int i = 0; i < 200; ++i) {
    auto token = make_caller_token();
    for (char c : token.reveal().substr(kTokenPrefix.size())) {
      auto digit = std::string_view("0123456789abcdef").find(c);
      REQUIRE(digit != std::string_view::npos);
      ++seen[digit];
    }
  }
  for (int count : seen) {  // 800 each expected; ±150 is over five standard deviations
    CHECK(count > 650);
    CHECK(count < 950);
  }
}
