#include "session/token.h"

#include <catch2/catch.hpp>

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
