// Hosted tools under a USD budget: web search reserved and settled, the unmetered ones named,
// the unreadable ones refused.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/broker/policy/admission_setup.h"

using namespace saferun::broker::policy;
using saferun::test::AdmissionSetup;

namespace {

std::int64_t usd_draw(const Plan& plan) {
  for (const auto& draw : plan.draws)
    if (draw.counter == "s:usd") return draw.amount;
  return -1;
}

const std::string kSearching = R"({"model":"claude-sonnet-4","max_tokens":100,"messages":[],)"
                               R"("tools":[{"type":"web_search_20250305","name":"web_search","max_uses":8}]})";

}  // namespace

TEST_CASE("under a USD budget, web searches are reserved at max_uses and charged as the answer counts them",
          "[policy][admission][hosted_tools]") {
  AdmissionSetup s;
  s.settings.session.budget_micro_usd = 5'000'000;
  auto plan = s.plan("/anthropic/v1/messages", kSearching);
  REQUIRE(plan.status == 0);
  CHECK(plan.web_searches_reserved == 8);
  const Price sonnet{3'000'000, 15'000'000, 3'750'000, 300'000, 10'000'000};
  auto tokens_only = worst_case_micro_usd(plan.input_estimate, 100, sonnet);
  CHECK(usd_draw(plan) == tokens_only + 8 * 10'000);  // $10 per 1,000 searches
  Usage used;
  used.input = 10;
  used.output = 5;
  used.web_searches = 3;
  CHECK(cost_of(plan, used) == 30 + 75 + 3 * 10'000);
}

TEST_CASE("under a USD budget, OpenAI web search is bounded by max_tool_calls: set, lowered or kept, and reserved",
          "[policy][admission][hosted_tools]") {
  struct Case {
    const char* body;
    std::int64_t reserved;
    const char* forwarded;  // "" = unedited
  };
  const Case cases[] = {
      {R"({"model":"gpt-5","tools":[{"type":"web_search"}],"input":"hi"})", 10,
       R"({"max_tool_calls":10,"model":"gpt-5","tools":[{"type":"web_search"}],"input":"hi"})"},
      {R"({"model":"gpt-5","tools":[{"type":"web_search"}],"max_tool_calls":500,"input":"hi"})", 10,
       R"({"model":"gpt-5","tools":[{"type":"web_search"}],"max_tool_calls":10,"input":"hi"})"},
      {R"({"model":"gpt-5","tools":[{"type":"web_search"}],"max_tool_calls":3,"input":"hi"})", 3, ""},
      {R"({"model":"gpt-5","tools":[{"type":"web_search"}],"max_tool_calls":null,"input":"hi"})", 10,
       R"({"model":"gpt-5","tools":[{"type":"web_search"}],"max_tool_calls":10,"input":"hi"})"},
  };
  for (const auto& c : cases) {
    INFO(c.body);
    AdmissionSetup s;
    s.settings.prices.set("gpt-5", {1'250'000, 10'000'000, 0, 125'000, 10'000'000});
    s.settings.session.budget_micro_usd = 5'000'000;
    auto plan = s.plan("/openai/v1/responses", c.body);
    REQUIRE(plan.status == 0);
    CHECK(plan.web_searches_reserved == c.reserved);
    std::string forwarded = plan.body_edited ? apply_splices(c.body, plan.body_splices) : "";
    if (std::string(c.forwarded).empty()) {
      CHECK(forwarded.find("max_tool_calls") == std::string::npos);  // inserted nowhere
    } else {
      CHECK(forwarded.find(c.forwarded) != std::string::npos);
    }
  }
  AdmissionSetup s;
  s.settings.prices.set("gpt-5", {1'250'000, 10'000'000, 0, 125'000, 10'000'000});
  s.settings.session.budget_micro_usd = 5'000'000;
  CHECK(s.plan("/openai/v1/responses", R"({"model":"gpt-5","tools":[{"type":"web_search"}],"max_tool_calls":"3"})")
            .status == 400);
  CHECK(s.plan("/openai/v1/responses", R"({"model":"gpt-5","tools":[{"type":"web_search"}],"max_tool_calls":0})")
            .status == 400);  // OpenAI does not document what 0 means
  // Both the output ceiling and the tool calls edited: two splices, one valid body.
  s.settings.session.max_output_tokens = 100;
  const std::string both = R"({"model":"gpt-5","max_output_tokens":5000,"tools":[{"type":"web_search"}],"input":"hi"})";
  auto edited = s.plan("/openai/v1/responses", both);
  REQUIRE(edited.status == 0);
  CHECK(edited.body_splices.size() == 2);  // the limit replaced, max_tool_calls inserted
  auto forwarded = nlohmann::json::parse(apply_splices(both, edited.body_splices));
  CHECK(forwarded["max_output_tokens"] == 100);
  CHECK(forwarded["max_tool_calls"] == 10);
  const std::string neither = R"({"model":"gpt-5","tools":[{"type":"web_search"}],"max_tool_calls":99,"input":"hi"})";
  auto twice = s.plan("/openai/v1/responses", neither);
  REQUIRE(twice.status == 0);
  CHECK(twice.body_splices.size() == 2);  // max_output_tokens inserted, max_tool_calls lowered
  forwarded = nlohmann::json::parse(apply_splices(neither, twice.body_splices));
  CHECK(forwarded["max_output_tokens"] == 100);
  CHECK(forwarded["max_tool_calls"] == 10);
  Usage used;
  used.web_searches = 2;
  CHECK(cost_of(s.plan("/openai/v1/responses", cases[0].body), used) == 2 * 10'000);
}

TEST_CASE("under a USD budget, a web_search tool that does not bound its searches is refused",
          "[policy][admission][hosted_tools]") {
  AdmissionSetup s;
  const std::string unbounded = R"({"model":"claude-sonnet-4","max_tokens":100,"messages":[],)"
                                R"("tools":[{"type":"web_search_20250305","name":"web_search"}]})";
  CHECK(s.plan("/anthropic/v1/messages", unbounded).status == 0);  // no budget: nothing to reserve for
  s.settings.session.budget_micro_usd = 5'000'000;
  auto plan = s.plan("/anthropic/v1/messages", unbounded);
  CHECK(plan.status == 400);
  CHECK(plan.reason.find("max_uses") != std::string::npos);
}

TEST_CASE("under a USD budget, a tool list the policy cannot read the same way as the upstream is refused",
          "[policy][admission][hosted_tools]") {
  AdmissionSetup s;
  const std::string two_types = R"({"model":"claude-sonnet-4","max_tokens":100,"messages":[],)"
                                R"("tools":[{"type":"custom","type":"web_search_20250305","name":"web_search"}]})";
  CHECK(s.plan("/anthropic/v1/messages", two_types).status == 0);  // no USD budget: the tools are not read
  s.settings.session.budget_micro_usd = 5'000'000;
  auto plan = s.plan("/anthropic/v1/messages", two_types);
  CHECK(plan.status == 400);
  CHECK(plan.reason.find("more than one \"type\"") != std::string::npos);
}

TEST_CASE("under a USD budget, web search at a model priced without it is refused", "[policy][admission][hosted_tools]") {
  AdmissionSetup s;
  s.settings.session.budget_micro_usd = 5'000'000;
  s.settings.prices.set("claude-sonnet-4", {3'000'000, 15'000'000, 3'750'000, 300'000, {}});
  auto plan = s.plan("/anthropic/v1/messages", kSearching);
  CHECK(plan.status == 403);
  CHECK(plan.decision == "denied_price");
  CHECK(plan.reason.find("web_search_per_1000") != std::string::npos);
}

TEST_CASE("under a USD budget, tools billed where the meter cannot see are forwarded and named in the plan",
          "[policy][admission][hosted_tools]") {
  struct Case {
    const char* path;
    const char* body;
    const char* named;
  };
  const Case cases[] = {
      {"/openai/v1/responses", R"({"model":"gpt-5","tools":[{"type":"file_search"}],"input":"hi"})", "file_search"},
      {"/openai/v1/chat/completions", R"({"model":"gpt-5","web_search_options":{},"messages":[]})",
       "web_search_options"},
      {"/anthropic/v1/messages", R"({"model":"claude-sonnet-4","max_tokens":10,"messages":[],)"
                                 R"("tools":[{"type":"code_execution_20250825","name":"code_execution"}]})",
       "code_execution_20250825"},
      {"/gemini/v1beta/models/gemini-2.5-pro:generateContent", R"({"contents":[],"tools":[{"google_search":{}}]})",
       "google_search"},
      {"/openrouter/api/v1/chat/completions", R"({"model":"gpt-5:online","messages":[]})", "the :online model variant"},
  };
  for (const auto& c : cases) {
    INFO(c.body);
    AdmissionSetup s;
    s.settings.prices.set("gemini-2.5-pro", {1, 1, 1, 1, {}});
    s.settings.session.output_tokens = 1'000'000;  // a token budget: tools' fees are not tokens, not read
    auto plan = s.plan(c.path, c.body);
    CHECK(plan.status == 0);
    CHECK(plan.unmetered_tool.empty());
    s.settings.session.budget_micro_usd = 5'000'000;
    plan = s.plan(c.path, c.body);
    CHECK(plan.status == 0);
    CHECK(plan.unmetered_tool == c.named);
  }
}
