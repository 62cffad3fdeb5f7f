#include "broker/policy/request_body.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace saferun::broker::policy;
using nlohmann::json;

namespace {

BodyEdits edits(std::optional<std::int64_t> output, std::string insert_field = "", bool ask_usage = false) {
  BodyEdits edits;
  edits.set_output = output;
  edits.insert_field = std::move(insert_field);
  edits.ask_usage = ask_usage;
  return edits;
}

}  // namespace

TEST_CASE("the body scan reads model, output limit and stream from the top level only", "[policy][request_body]") {
  auto facts = inspect_request_body(
      R"({"messages":[{"role":"user","content":"say \"model\": no"}],"metadata":{"model":"nested"},)"
      R"("model":"claude-sonnet-4","max_tokens":64000,"stream":true})");
  REQUIRE(facts.json_object);
  CHECK(facts.model == "claude-sonnet-4");
  CHECK(facts.output_field == "max_tokens");
  CHECK(facts.output_limit == 64000);
  CHECK(facts.stream);
  CHECK(facts.duplicate_key.empty());
}

TEST_CASE("a key spelled with escapes is read as the upstream reads it", "[policy][request_body]") {
  auto facts = inspect_request_body(R"({"\u006dodel":"claude-opus-4","max_tokens":10})");
  CHECK(facts.model == "claude-opus-4");
  CHECK(inspect_request_body(R"({"model":"claude-\u006fpus"})").model == "claude-opus");
}

TEST_CASE("a duplicated model or ceiling key is reported", "[policy][request_body]") {
  CHECK(inspect_request_body(R"({"model":"a","model":"b"})").duplicate_key == "model");
  CHECK(inspect_request_body(R"({"max_tokens":1,"max_completion_tokens":99999})").duplicate_key ==
        "max_completion_tokens");
}

TEST_CASE("a duplicate is found whether the key is spelled plainly or with escapes", "[policy][request_body]") {
  CHECK(inspect_request_body(R"({"model":"a","\u006dodel":"b"})").duplicate_key == "model");
  CHECK(inspect_request_body(R"({"stream":false,"s\u0074ream":true})").duplicate_key == "stream");
  CHECK(inspect_request_body(R"({"modelx":"a","model":"b","mode":"c"})").duplicate_key.empty());
}

TEST_CASE("only a key spelled exactly as a read key is read: prefixes, extensions and other cases are not",
          "[policy][request_body]") {
  auto facts = inspect_request_body(R"({"max_token":5,"streams":true,"mode":"a","modelx":"b","tool":[1],)"
                                    R"("max_tokens_":7,"nn":2,"thinkin":{"budget_tokens":1}})");
  REQUIRE(facts.json_object);
  CHECK(facts.model.empty());
  CHECK(facts.output_field.empty());
  CHECK_FALSE(facts.output_limit);
  CHECK_FALSE(facts.stream);
  CHECK_FALSE(facts.tools_span.present());
  CHECK_FALSE(facts.choices);
  CHECK_FALSE(facts.thinking_budget);
  CHECK(facts.case_variant_key.empty());
  CHECK(facts.duplicate_key.empty());
}

TEST_CASE("every read key is read, and a key folding to one in another case is reported", "[policy][request_body]") {
  auto facts = inspect_request_body(
      R"({"model":"m","stream":true,"stream_options":{"include_usage":true},"max_output_tokens":9,"n":2,)"
      R"("best_of":3,"prompt":["a","b"],"generationConfig":{},"models":["x"],"background":true,)"
      R"("thinking":{"budget_tokens":4},"tools":[],"web_search_options":{},"plugins":[{}],"max_tool_calls":5})");
  REQUIRE(facts.json_object);
  CHECK(facts.model == "m");
  CHECK(facts.stream);
  CHECK(facts.include_usage);
  CHECK(facts.output_field == "max_output_tokens");
  CHECK(facts.output_limit == 9);
  CHECK(facts.choices == 2);
  CHECK(facts.best_of == 3);
  CHECK(facts.prompts == 2);
  CHECK(facts.generation_config_span.present());
  CHECK(facts.fallback_models);
  CHECK(facts.background);
  CHECK(facts.thinking_budget == 4);
  CHECK(facts.tools_span.present());
  CHECK(facts.web_search_options);
  CHECK(facts.plugins);
  CHECK(facts.tool_calls_limit == 5);
  CHECK(facts.duplicate_key.empty());
  CHECK(facts.case_variant_key.empty());
  CHECK(inspect_request_body(R"({"fallbacks":["x"]})").fallback_models);
  CHECK(inspect_request_body(R"({"max_completion_tokens":3})").output_limit == 3);
  for (const char* variant : {"MODEL", "N", "Max_Tokens", "generationconfig", "GENERATION_CONFIG", "Tools",
                              "\u212Aeys_unrelated", "max_tool_call\u017F"}) {
    auto body = std::string(R"({")") + variant + R"(":1})";
    bool expected = std::string_view(variant) != "\u212Aeys_unrelated";
    CHECK(!inspect_request_body(body).case_variant_key.empty() == expected);
  }
  CHECK(inspect_request_body(R"({"generation_config":{},"generationConfig":{}})").duplicate_key == "generationConfig");
  CHECK(inspect_request_body(R"({"max_tool_calls":1,"max_tool_calls":2})").duplicate_key == "max_tool_calls");
}

TEST_CASE("a string's closing quote is found wherever it falls, escaped quotes and backslashes skipped",
          "[policy][request_body]") {
  // Quotes and backslash runs at every offset across the scan's 8-byte words, and strings that
  // end within 8 bytes of the body's end.
  for (std::size_t pad = 0; pad < 40; ++pad) {
    for (const char* inner : {"", "\\\"", "\\\\", "\\\\\\\"x"}) {
      auto text = std::string(pad, 'a') + inner;
      auto body = R"({")" + text + R"(":")" + text + R"(","model":")" + text + R"("})";
      auto facts = inspect_request_body(body);
      REQUIRE(facts.json_object);
      CHECK(facts.model == json::parse(body)["model"].get<std::string>());
    }
  }
  CHECK_FALSE(inspect_request_body(R"({"model":"abc\"})").json_object);
  CHECK_FALSE(inspect_request_body(R"({"model":"abcdefghijklmnopqrstuvwxyz)").json_object);
}

// The ceiling's value is what a JSON parser reads, and only a whole number of tokens that fits
// counts: a negative or wrapped one would make a negative reservation.
TEST_CASE("the ceiling is read as a JSON parser reads it, and only a whole number from 0 to INT64_MAX counts",
          "[policy][request_body]") {
  struct Case {
    std::string literal;
    std::optional<std::int64_t> limit;
    bool not_integer;
  };
  const Case cases[] = {
      {"0", 0, false}, {"-0", 0, false}, {"4096", 4096, false}, {"64000", 64000, false},
      {"123456789012345678", 123456789012345678, false}, {"9223372036854775807", INT64_MAX, false},
      {"1.0", 1, false}, {"1e3", 1000, false}, {"null", std::nullopt, false},
      {"-1", std::nullopt, true}, {"-5", std::nullopt, true}, {"-1.0", std::nullopt, true},
      {"9223372036854775808", std::nullopt, true}, {"18446744073709551615", std::nullopt, true},
      {"-9223372036854775808", std::nullopt, true}, {"-9223372036854775809", std::nullopt, true},
      {"99999999999999999999", std::nullopt, true}, {"1e19", std::nullopt, true},
      {"9.2233720368547758e18", std::nullopt, true}, {"1.5", std::nullopt, true}, {"007", std::nullopt, true},
      {"-01", std::nullopt, true}, {"+1", std::nullopt, true}, {"1x", std::nullopt, true}, {"-", std::nullopt, true},
      {"true", std::nullopt, true}, {"\"4096\"", std::nullopt, true}};
  for (const auto& c : cases) {
    INFO("max_tokens: " << c.literal);
    auto facts = inspect_request_body(R"({"max_tokens":)" + c.literal + "}");
    CHECK(facts.output_limit == c.limit);
    CHECK(facts.output_limit_not_integer == c.not_integer);
  }
}

TEST_CASE("a body that is not a JSON object yields no facts", "[policy][request_body]") {
  CHECK_FALSE(inspect_request_body("").json_object);
  CHECK_FALSE(inspect_request_body("[1,2]").json_object);
  CHECK_FALSE(inspect_request_body(R"({"model":"a")").json_object);
  CHECK_FALSE(inspect_request_body(R"({"model":"a\"})").json_object);
  CHECK(inspect_request_body(" {} ").json_object);
}

TEST_CASE("lowering the ceiling edits only its value", "[policy][request_body]") {
  std::string body = R"({"model":"m","max_tokens":64000,"messages":[]})";
  auto facts = inspect_request_body(body);
  auto edited = edit_request_body(body, facts, edits(8192));
  CHECK(edited == R"({"model":"m","max_tokens":8192,"messages":[]})");
}

TEST_CASE("a missing ceiling and include_usage are inserted; an existing stream_options keeps its keys",
          "[policy][request_body]") {
  std::string body = R"({"model":"gpt-5","stream":true})";
  auto edited = edit_request_body(body, inspect_request_body(body), edits(100, "max_completion_tokens", true));
  auto parsed = json::parse(edited);
  CHECK(parsed["max_completion_tokens"] == 100);
  CHECK(parsed["stream_options"]["include_usage"] == true);
  CHECK(parsed["model"] == "gpt-5");
  std::string with_options = R"({"stream":true,"stream_options":{"x":1}})";
  auto again = json::parse(edit_request_body(with_options, inspect_request_body(with_options), edits(std::nullopt, "", true)));
  CHECK(again["stream_options"] == json({{"x", 1}, {"include_usage", true}}));
  CHECK(json::parse(edit_request_body("{}", inspect_request_body("{}"), edits(5, "max_tokens"))) ==
        json({{"max_tokens", 5}}));
}

TEST_CASE("the API kind and a Gemini model come from the path", "[policy][request_body]") {
  CHECK(api_kind_of("/anthropic/v1/messages") == ApiKind::messages);
  CHECK(api_kind_of("/anthropic/v1/messages/count_tokens") == ApiKind::count_tokens);
  CHECK(api_kind_of("/openai/v1/chat/completions") == ApiKind::chat);
  CHECK(api_kind_of("/openai/v1/responses") == ApiKind::responses);
  CHECK(api_kind_of("/openai/v1/embeddings") == ApiKind::embeddings);
  CHECK(api_kind_of("/gemini/v1beta/models/gemini-2.5-pro:streamGenerateContent") == ApiKind::gemini);
  CHECK(model_from_path("/gemini/v1beta/models/gemini-2.5-pro:streamGenerateContent") == "gemini-2.5-pro");
  CHECK(model_from_path("/v1/models") == "");
}

TEST_CASE("a path's API kind is read from whole segments", "[policy][request_body]") {
  const std::vector<std::pair<std::string_view, ApiKind>> cases = {
      {"/v1/messages", ApiKind::messages},
      {"/v1/messages//", ApiKind::messages},
      {"/v1/my-messages", ApiKind::other},
      {"/v1/messages/x", ApiKind::other},
      {"messages", ApiKind::other},
      {"/messages", ApiKind::messages},
      {"/v1/messages/count_tokens", ApiKind::count_tokens},
      {"/v1/count_tokens", ApiKind::other},
      {"/v1/xmessages/count_tokens", ApiKind::other},
      {"/v1/chat/completions", ApiKind::chat},
      {"/v1/xchat/completions", ApiKind::completions},
      {"/chat/completions", ApiKind::chat},
      {"/v1/completions", ApiKind::completions},
      {"/v1/responses/", ApiKind::responses},
      {"/v1/responses/resp_1", ApiKind::other},
      {"/v1/embeddings", ApiKind::embeddings},
      {"/v1beta/models/m:countTokens", ApiKind::count_tokens},
      {"/v1beta/models/m:embedContent", ApiKind::embeddings},
      {"/v1beta/models/m:batchEmbedContents", ApiKind::embeddings},
      {"/v1beta/models/m:generateContent", ApiKind::gemini},
      {"/v1beta/models/m:other", ApiKind::other},
      {"/v1/models", ApiKind::other},
      {"/", ApiKind::other},
      {"", ApiKind::other},
  };
  for (auto [path, kind] : cases) {
    INFO(path);
    CHECK(api_kind_of(path) == kind);
  }
}
