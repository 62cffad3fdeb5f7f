#include "broker/policy/usage.h"
#include "broker/policy/prices.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace saferun::broker::policy;
using nlohmann::json;

TEST_CASE("Anthropic usage counts cache writes and reads apart from input", "[policy][usage]") {
  Usage usage;
  REQUIRE(merge_usage(json::parse(R"({"type":"message","usage":{"input_tokens":12,"output_tokens":7,
      "cache_creation_input_tokens":300,"cache_read_input_tokens":4000}})"), usage));
  CHECK(usage.input == 12);
  CHECK(usage.output == 7);
  CHECK(usage.cache_write == 300);
  CHECK(usage.cache_read == 4000);
}

TEST_CASE("Anthropic stream usage comes from message_start and the cumulative message_delta", "[policy][usage]") {
  Usage usage;
  merge_usage(json::parse(R"({"type":"message_start","message":{"usage":{"input_tokens":25,"output_tokens":1,
      "cache_read_input_tokens":100}}})"), usage);
  merge_usage(json::parse(R"({"type":"message_delta","usage":{"output_tokens":15}})"), usage);
  merge_usage(json::parse(R"({"type":"message_delta","usage":{"output_tokens":40}})"), usage);
  CHECK(usage.input == 25);
  CHECK(usage.cache_read == 100);
  CHECK(usage.output == 40);
}

TEST_CASE("hosted web searches are counted from Anthropic's final usage and OpenAI's web_search_call items",
          "[policy][usage][hosted_tools]") {
  Usage usage;
  merge_usage(json::parse(R"({"type":"message_start","message":{"usage":{"input_tokens":25,"output_tokens":1}}})"),
              usage);
  merge_usage(json::parse(R"({"type":"message_delta","usage":{"output_tokens":15,"server_tool_use":{"web_search_requests":2}}})"),
              usage);
  merge_usage(json::parse(R"({"type":"message_delta","usage":{"output_tokens":40,"server_tool_use":{"web_search_requests":3}}})"),
              usage);
  CHECK(usage.web_searches == 3);
  CHECK(usage.web_search_count_seen);
  Usage started;  // message_start's count is not the answer's: its searches come later
  merge_usage(json::parse(R"({"type":"message_start","message":{"usage":{"input_tokens":25,"output_tokens":1,
      "server_tool_use":{"web_search_requests":0}}}})"), started);
  CHECK_FALSE(started.web_search_count_seen);
  Usage completed;  // OpenAI Responses: response.completed's output
  merge_usage(json::parse(R"({"type":"response.completed","response":{"output":[{"type":"web_search_call"},
      {"type":"web_search_call","action":{"queries":["a","b"]}},{"type":"message"}],
      "usage":{"input_tokens":5,"output_tokens":3,"total_tokens":8}}})"), completed);
  CHECK(completed.web_searches == 3);
  CHECK(completed.web_search_count_seen);
  const Price price{0, 0, 0, 0, 10'000'000};  // $10 per 1,000 searches
  CHECK(cost_micro_usd(usage, price) == 30'000);
  CHECK(worst_case_micro_usd(0, 0, price, 8) == 80'000);
  CHECK(cost_micro_usd(usage, {0, 0, 0, 0, {}}) == 0);  // unpriced: the policy refuses such a request under a budget
}

TEST_CASE("OpenAI chat and Responses usage take cached tokens out of input", "[policy][usage]") {
  Usage chat;
  merge_usage(json::parse(R"({"choices":[],"usage":{"prompt_tokens":100,"completion_tokens":20,"total_tokens":120,
      "prompt_tokens_details":{"cached_tokens":64},"completion_tokens_details":{"reasoning_tokens":8}}})"), chat);
  CHECK(chat.input == 36);
  CHECK(chat.cache_read == 64);
  CHECK(chat.output == 20);
  CHECK(chat.reasoning == 8);
  Usage responses;
  merge_usage(json::parse(R"({"type":"response.completed","response":{"usage":{"input_tokens":50,
      "input_tokens_details":{"cached_tokens":10},"output_tokens":30,"output_tokens_details":{"reasoning_tokens":5},
      "total_tokens":80}}})"), responses);
  CHECK(responses.input == 40);
  CHECK(responses.cache_read == 10);
  CHECK(responses.output == 30);
}

TEST_CASE("embeddings and Gemini usage are read too; a document without usage is not", "[policy][usage]") {
  Usage embeddings;
  CHECK(merge_usage(json::parse(R"({"usage":{"prompt_tokens":8,"total_tokens":8}})"), embeddings));
  CHECK(embeddings.input == 8);
  Usage gemini;
  merge_usage(json::parse(R"({"usageMetadata":{"promptTokenCount":30,"cachedContentTokenCount":10,
      "candidatesTokenCount":5,"thoughtsTokenCount":7}})"), gemini);
  CHECK(gemini.input == 20);
  CHECK(gemini.cache_read == 10);
  CHECK(gemini.output == 12);
  Usage none;
  CHECK_FALSE(merge_usage(json::parse(R"({"choices":[],"usage":null})"), none));
  CHECK_FALSE(merge_usage(json::parse("[1]"), none));
}

// An upstream (or a local stand-in) reporting absurd counts is charged in full: counts past
// INT64_MAX, too-large floats and their sums stop at INT64_MAX, never wrap to negative or 0.
TEST_CASE("absurd usage counts saturate at INT64_MAX instead of wrapping", "[policy][usage]") {
  Usage usage;
  REQUIRE(merge_usage(json::parse(R"({"usage":{"input_tokens":18446744073709551615,"output_tokens":1e300,
      "cache_creation_input_tokens":9223372036854775807,"cache_read_input_tokens":-5}})"), usage));
  CHECK(usage.input == INT64_MAX);
  CHECK(usage.output == INT64_MAX);
  CHECK(usage.cache_write == INT64_MAX);
  CHECK(usage.cache_read == 0);
  CHECK(usage.all_input() == INT64_MAX);
  CHECK(usage.total() == INT64_MAX);
  Usage sum = usage;
  sum += usage;
  CHECK(sum.input == INT64_MAX);
  Usage gemini;
  REQUIRE(merge_usage(json::parse(R"({"usageMetadata":{"promptTokenCount":1,"candidatesTokenCount":9223372036854775807,
      "thoughtsTokenCount":9223372036854775807}})"), gemini));
  CHECK(gemini.output == INT64_MAX);
}
