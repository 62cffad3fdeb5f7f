#include "broker/body/json_members.h"

#include <catch2/catch.hpp>
#include <string>

using namespace saferun::broker;

namespace {

std::string value_of(std::string_view json, const JsonMember& member) {
  return std::string(json.substr(member.offset, member.length));
}

}  // namespace

TEST_CASE("top-level model and max_tokens are found with the raw bytes of their values") {
  std::string_view json =
      R"({"model": "claude-sonnet-4-5", "messages":[{"role":"user","content":"max_tokens: 5"}], "max_tokens" : 32000 })";
  auto found = find_json_members(json, {"model", "max_tokens", "temperature"});
  REQUIRE(found);
  CHECK(value_of(json, (*found)[0]) == "\"claude-sonnet-4-5\"");
  CHECK(value_of(json, (*found)[1]) == "32000");
  CHECK((*found)[1].count == 1);
  CHECK((*found)[2].count == 0);
}

TEST_CASE("a member nested in another object is not taken for a top-level one") {
  std::string_view json = R"({"metadata":{"max_tokens":1,"model":"x"},"tools":[{"model":"y"}]})";
  auto found = find_json_members(json, {"model", "max_tokens"});
  REQUIRE(found);
  CHECK((*found)[0].count == 0);
  CHECK((*found)[1].count == 0);
}

TEST_CASE("an escaped key is matched as the upstream will decode it") {
  std::string_view json = R"({"max\u005ftokens":7,"mod\u0065l":"m"})";
  auto found = find_json_members(json, {"max_tokens", "model"});
  REQUIRE(found);
  CHECK(value_of(json, (*found)[0]) == "7");
  CHECK(value_of(json, (*found)[1]) == "\"m\"");
}

TEST_CASE("a field named twice is counted twice, the last occurrence located") {
  std::string_view json = R"({"max_tokens":1,"max_tokens":99999})";
  auto found = find_json_members(json, {"max_tokens"});
  REQUIRE(found);
  CHECK((*found)[0].count == 2);
  CHECK(value_of(json, (*found)[0]) == "99999");
}

TEST_CASE("strings holding quotes, braces and backslashes do not confuse the scan") {
  std::string_view json = R"({"system":"a \"quoted\" {brace} [x] \\","max_tokens":12})";
  auto found = find_json_members(json, {"max_tokens"});
  REQUIRE(found);
  CHECK(value_of(json, (*found)[0]) == "12");
}

TEST_CASE("text that is not one well-formed JSON object is rejected") {
  for (std::string_view bad : {"", "[]", "{", R"({"a":1,})", R"({"a" 1})", R"({"a":"unterminated})",
                               R"({"a":1} trailing)", R"({"a":[1,2})", R"({"a":})", "{\"a\":\"x\\"}) {
    INFO(bad);
    CHECK_FALSE(find_json_members(bad, {"a"}));
  }
}

TEST_CASE("nesting deeper than the scanner's bound is rejected, not recursed into") {
  std::string json = "{\"a\":" + std::string(10000, '[') + std::string(10000, ']') + "}";
  CHECK_FALSE(find_json_members(json, {"a"}));
}
