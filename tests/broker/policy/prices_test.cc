#include "broker/policy/prices.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <utility>

using namespace saferun::broker::policy;

TEST_CASE("the most specific price pattern wins and an unknown model has no price", "[policy][prices]") {
  PriceTable table;
  table.set("gpt-5*", {1'250'000, 10'000'000, 0, 125'000, {}});
  table.set("gpt-5-mini*", {250'000, 2'000'000, 0, 25'000, {}});
  table.set("exact-model", {1, 1, 1, 1, {}});
  REQUIRE(table.find("gpt-5-2025-08-07") != nullptr);
  CHECK(table.find("gpt-5-2025-08-07")->input == 1'250'000);
  CHECK(table.find("gpt-5-mini-2025")->input == 250'000);
  CHECK(table.find("exact-model")->input == 1);
  CHECK(table.find("claude-sonnet-4") == nullptr);
  CHECK(table.find("") == nullptr);
}

TEST_CASE("of two equally long matching patterns the first in name order wins, whatever order they were set in", "[policy][prices]") {
  for (bool reversed : {false, true}) {
    PriceTable table;
    std::pair<const char*, Price> entries[] = {{"claude-*-4", {1, 0, 0, 0, {}}}, {"claude-s*4", {2, 0, 0, 0, {}}},
                                               {"claude-*", {3, 0, 0, 0, {}}}};
    if (reversed) std::reverse(std::begin(entries), std::end(entries));
    for (auto& [pattern, price] : entries) table.set(pattern, price);
    REQUIRE(table.find("claude-sonnet-4") != nullptr);
    CHECK(table.find("claude-sonnet-4")->input == 1);
    CHECK(table.find("claude-opus-4")->input == 1);
    CHECK(table.find("claude-haiku")->input == 3);
    table.set("claude-sonnet-4", {4, 0, 0, 0, {}});
    CHECK(table.find("claude-sonnet-4")->input == 4);
  }
}

TEST_CASE("a price pattern matches as a glob wherever its wildcards are, and only from the model's first byte",
          "[policy][prices]") {
  PriceTable table;
  table.set("gpt-4o*", {1, 0, 0, 0, {}});
  table.set("*-embed", {2, 0, 0, 0, {}});
  table.set("claude-?-haiku*", {3, 0, 0, 0, {}});
  table.set("o3*mini", {4, 0, 0, 0, {}});
  CHECK(table.find("gpt-4o")->input == 1);  // '*' matches nothing
  CHECK(table.find("gpt-4o-2024")->input == 1);
  CHECK(table.find("gpt-4") == nullptr);    // shorter than the pattern's literal head
  CHECK(table.find("Gpt-4o") == nullptr);   // case-sensitive
  CHECK(table.find("xgpt-4o") == nullptr);  // the head must start the model
  CHECK(table.find("text-embed")->input == 2);
  CHECK(table.find("text-embedding") == nullptr);
  CHECK(table.find("claude-3-haiku-2024")->input == 3);
  CHECK(table.find("claude-35-haiku") == nullptr);
  CHECK(table.find("o3-deep-mini")->input == 4);
  CHECK(table.find("o3-mini-x") == nullptr);
  CHECK(table.find("o3") == nullptr);
  table.set("gpt-4o*", {5, 0, 0, 0, {}});  // set again: the new price, not a stale one
  CHECK(table.find("gpt-4o-mini")->input == 5);
}

TEST_CASE("an exact price name wins over a longer matching pattern", "[policy][prices]") {
  PriceTable table;
  table.set("claude-sonnet-4-5*", {1, 0, 0, 0, {}});
  table.set("claude-sonnet-4-5", {2, 0, 0, 0, {}});
  CHECK(table.find("claude-sonnet-4-5")->input == 2);
  CHECK(table.find("claude-sonnet-4-5-20250929")->input == 1);
  table.set(std::string(70, 'x'), {6, 0, 0, 0, {}});  // names past 63 bytes share one length bit
  CHECK(table.find(std::string(70, 'x'))->input == 6);
  CHECK(table.find(std::string(64, 'x')) == nullptr);
  CHECK(table.find("claude-sonnet-4-5-2")->input == 1);  // as long as no exact name
  PriceTable copy = table;  // a copied table prices from its own entries
  table.set("claude-sonnet-4-5*", {3, 0, 0, 0, {}});
  CHECK(copy.find("claude-sonnet-4-5-20250929")->input == 1);
  CHECK(table.find("claude-sonnet-4-5-20250929")->input == 3);
}

TEST_CASE("cost is integer micro-USD, every token kind at its own price, rounded up", "[policy][prices]") {
  Price sonnet{3'000'000, 15'000'000, 3'750'000, 300'000, {}};  // $3 / $15 / $3.75 / $0.30 per MTok
  Usage usage;
  usage.input = 1000;
  usage.output = 500;
  usage.cache_write = 2000;
  usage.cache_read = 10000;
  // 1000*3 + 500*15 + 2000*3.75 + 10000*0.3 = 3000 + 7500 + 7500 + 3000 = 21000 micro-USD
  CHECK(cost_micro_usd(usage, sonnet) == 21000);
  Usage one;
  one.output = 1;
  CHECK(cost_micro_usd(one, {0, 1, 0, 0, {}}) == 1);  // a millionth of a micro-USD still costs one
  CHECK(cost_micro_usd(Usage{}, sonnet) == 0);
}

TEST_CASE("the worst case prices input at the dearer of input and cache write", "[policy][prices]") {
  Price sonnet{3'000'000, 15'000'000, 3'750'000, 300'000, {}};
  CHECK(worst_case_micro_usd(1000, 100, sonnet) == 3750 + 1500);
  Usage huge;
  huge.output = 4'000'000'000;
  CHECK(cost_micro_usd(huge, {0, 1'000'000'000, 0, 0, {}}) == 4'000'000'000'000);  // no overflow
}

TEST_CASE("USD amounts print with six decimals", "[policy][prices]") {
  CHECK(format_usd(5'000'000) == "$5.000000");
  CHECK(format_usd(21000) == "$0.021000");
  CHECK(format_usd(-1) == "-$0.000001");
}
