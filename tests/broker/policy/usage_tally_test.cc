#include "broker/policy/usage_tally.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace saferun::broker::policy;

// Each distinct model name was a row kept for the session (and rendered by every status call):
// a client naming a new model per request grew the session without bound.
TEST_CASE("past a thousand distinct models, new ones share one row", "[policy][usage]") {
  UsageTally tally;
  for (int i = 0; i < 1005; ++i) tally.add("openai", "model-" + std::to_string(i), Usage{}, 1, true);
  tally.add("openai", "model-7", Usage{}, 1, true);  // a model with a row keeps it
  auto rows = tally.report()["by_route_model"];
  CHECK(rows.size() == 1001);
  std::int64_t other = 0, seventh = 0;
  for (const auto& row : rows) {
    if (row["model"] == "(other models)") other = row["requests"].get<std::int64_t>();
    if (row["model"] == "model-7") seventh = row["requests"].get<std::int64_t>();
  }
  CHECK(other == 5);
  CHECK(seventh == 2);
}
