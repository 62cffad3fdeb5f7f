#include "broker/policy/model_rule.h"

#include <catch2/catch.hpp>

using namespace saferun::broker::policy;

TEST_CASE("model patterns match with * and ? and nothing else", "[policy][model_rule]") {
  CHECK(matches_pattern("claude-sonnet-*", "claude-sonnet-4-5-20250929"));
  CHECK(matches_pattern("gpt-5*", "gpt-5"));
  CHECK(matches_pattern("gpt-5*", "gpt-5-mini"));
  CHECK(matches_pattern("gpt-?o", "gpt-4o"));
  CHECK(matches_pattern("*haiku*", "claude-3-5-haiku-latest"));
  CHECK_FALSE(matches_pattern("claude-sonnet-*", "claude-opus-4"));
  CHECK_FALSE(matches_pattern("gpt-5", "gpt-5-mini"));
  CHECK_FALSE(matches_pattern("Claude-*", "claude-x"));  // case-sensitive, as model ids are
  CHECK_FALSE(matches_pattern("a*b", "a"));
}

TEST_CASE("an allowlist names the pattern that allowed a model, and an empty one allows none",
          "[policy][model_rule]") {
  std::vector<std::string> allowed{"claude-haiku-*", "claude-sonnet-*"};
  REQUIRE(allowing_pattern(allowed, "claude-sonnet-4") != nullptr);
  CHECK(*allowing_pattern(allowed, "claude-sonnet-4") == "claude-sonnet-*");
  CHECK(allowing_pattern(allowed, "claude-opus-4") == nullptr);
  CHECK(allowing_pattern({}, "anything") == nullptr);
}

TEST_CASE("a pathological pattern stays fast", "[policy][model_rule]") {
  std::string name(5000, 'a');
  CHECK_FALSE(matches_pattern("*a*a*a*a*a*a*a*a*b", name));
}
