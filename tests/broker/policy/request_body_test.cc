#include "broker/policy/request_body.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace saferun::broker::policy;
using nlohmann::json;

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

// The ceiling's value is what a JSON parser reads: the plain integers the scan reads itself
// agree with nlohmann on every spelling around them.
TEST_CASE("the ceiling's value is read as a JSON parser reads it", "[policy][request_body]") {
  for (std::string literal : {"0", "-0", "-1", "4096", "64000", "123456789012345678", "9223372036854775807",
                              "-9223372036854775808", "99999999999999999999", "007", "-01", "1.0", "1e3", "1.5", "+1",
                              "1x", "-", "null", "true", "\"4096\""}) {
    INFO("literal " << literal);
    auto facts = inspect_request_body(R"({"max_tokens":)" + literal + "}");
    auto parsed = json::parse(literal, nullptr, false);
    if (parsed.is_number_integer() && !(parsed.is_number_unsigned() && parsed.get<std::uint64_t>() > INT64_MAX)) {
      CHECK(facts.output_limit == parsed.get<std::int64_t>());
      CHECK_FALSE(facts.output_limit_not_integer);
    } else if (parsed.is_number_float() && parsed.get<double>() == static_cast<double>(static_cast<std::int64_t>(parsed.get<double>()))) {
      CHECK(facts.output_limit == static_cast<std::int64_t>(parsed.get<double>()));
    } else if (parsed.is_null()) {
      CHECK_FALSE(facts.output_limit);
      CHECK_FALSE(facts.output_limit_not_integer);
    } else {
      CHECK_FALSE(facts.output_limit);
      CHECK(facts.output_limit_not_integer);
    }
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
  auto edited = edit_request_body(body, facts, {8192, "", false});
  CHECK(edited == R"({"model":"m","max_tokens":8192,"messages":[]})");
}

TEST_CASE("a missing ceiling and include_usage are inserted; an existing stream_options keeps its keys",
          "[policy][request_body]") {
  std::string body = R"({"model":"gpt-5","stream":true})";
  auto edited = edit_request_body(body, inspect_request_body(body), {100, "max_completion_tokens", true});
  auto parsed = json::parse(edited);
  CHECK(parsed["max_completion_tokens"] == 100);
  CHECK(parsed["stream_options"]["include_usage"] == true);
  CHECK(parsed["model"] == "gpt-5");
  std::string with_options = R"({"stream":true,"stream_options":{"x":1}})";
  auto again = json::parse(edit_request_body(with_options, inspect_request_body(with_options), {std::nullopt, "", true}));
  CHECK(again["stream_options"] == json({{"x", 1}, {"include_usage", true}}));
  CHECK(json::parse(edit_request_body("{}", inspect_request_body("{}"), {5, "max_tokens", false})) ==
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
