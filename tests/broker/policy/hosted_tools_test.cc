// Tools a provider bills per call: which a request enables, read from its top-level tools only.

#include <catch2/catch.hpp>

#include "broker/policy/hosted_tools.h"

using namespace saferun::broker::policy;

namespace {

HostedTools read(const std::string& body, ApiKind kind = ApiKind::messages) {
  return read_hosted_tools(body, inspect_request_body(body), kind);
}

}  // namespace

TEST_CASE("Anthropic web_search tools are metered at the sum of their max_uses; client tools are not hosted",
          "[policy][hosted_tools]") {
  auto tools = read(R"({"model":"m","tools":[{"name":"Bash","input_schema":{"type":"object"}},)"
                    R"({"type":"web_search_20250305","name":"web_search","max_uses":8},)"
                    R"({"type":"web_fetch_20250910","name":"web_fetch"},)"
                    R"({"max_uses":2,"type":"web_search_20260101","name":"web_search_2"}]})");
  CHECK(tools.web_searches == 10);
  CHECK_FALSE(tools.web_search_unbounded);
  CHECK(tools.unmetered.empty());
  CHECK(read(R"({"model":"m","tools":[{"name":"Read","input_schema":{}}],"messages":[]})").web_searches == 0);
}

TEST_CASE("OpenAI Responses web search is metered, bounded by the request's max_tool_calls", "[policy][hosted_tools]") {
  for (const char* type : {"web_search", "web_search_preview", "web_search_preview_2025_03_11"}) {
    INFO(type);
    auto tools = read(std::string(R"({"model":"gpt-5","tools":[{"type":")") + type + R"("}]})", ApiKind::responses);
    CHECK(tools.searches_per_tool_call);
    CHECK(tools.unmetered.empty());
    CHECK(tools.web_searches == 0);
  }
  auto codex = read(R"({"model":"gpt-5","tools":[{"type":"function","name":"shell"},)"
                    R"({"type":"web_search","external_web_access":false}],"max_tool_calls":3})",
                    ApiKind::responses);
  CHECK(codex.searches_per_tool_call);
}

TEST_CASE("a web_search tool without one whole max_uses is unbounded", "[policy][hosted_tools]") {
  for (const char* tool : {R"({"type":"web_search_20250305","name":"w"})",
                           R"({"type":"web_search_20250305","max_uses":0})",
                           R"({"type":"web_search_20250305","max_uses":"8"})",
                           R"({"type":"web_search_20250305","max_uses":8.0})",
                           R"({"type":"web_search_20250305","max_uses":-1})",
                           R"({"type":"web_search_20250305","max_uses":null})",
                           R"({"type":"web_search_20250305","max_uses":1,"max_uses":1000})",
                           R"({"type":"web_search_20250305","max_uses":1,"MAX_USES":1000})"}) {
    INFO(tool);
    auto tools = read(std::string(R"({"model":"m","tools":[)") + tool + "]}");
    CHECK(tools.web_search_unbounded);
    CHECK(tools.web_searches == 0);
  }
}

TEST_CASE("tools billed per call that no usage report counts are named", "[policy][hosted_tools]") {
  struct Case {
    const char* body;
    ApiKind kind;
    const char* named;
  };
  const Case cases[] = {
      {R"({"tools":[{"type":"code_execution_20250825","name":"code_execution"}]})", ApiKind::messages,
       "code_execution_20250825"},
      {R"({"tools":[{"type":"function","name":"f"},{"type":"file_search","vector_store_ids":["v"]}]})",
       ApiKind::responses, "file_search"},
      {R"({"tools":[{"type":"code_interpreter","container":{"type":"auto"}}]})", ApiKind::responses, "code_interpreter"},
      {R"({"tools":[{"type":"image_generation"}]})", ApiKind::responses, "image_generation"},
      {R"({"tools":[{"type":"web_search_20250305","max_uses":1}]})", ApiKind::chat, "web_search_20250305"},
      {R"({"model":"gpt-5-search-api","web_search_options":{}})", ApiKind::chat, "web_search_options"},
      {R"({"model":"openai/gpt-5","plugins":[{"id":"web"}]})", ApiKind::chat, "plugins"},
      {R"({"tools":[{"googleSearch":{}}]})", ApiKind::gemini, "googleSearch"},
      {R"({"tools":[{"codeExecution":{}},{"google_search_retrieval":{}}]})", ApiKind::gemini, "google_search_retrieval"},
      {R"({"tools":[{"GoogleMaps":{}}]})", ApiKind::gemini, "GoogleMaps"},
  };
  for (const auto& c : cases) {
    INFO(c.body);
    CHECK(read(c.body, c.kind).unmetered == c.named);
  }
}

TEST_CASE("a tool with two types, or a key the policy cannot decode, is unreadable", "[policy][hosted_tools]") {
  for (const char* tool : {R"({"type":"custom","type":"web_search_20250305","name":"web_search"})",
                           R"({"type":"custom","typ\u0065":"web_search_20250305"})",
                           R"({"type":"custom","TYPE":"web_search_20250305"})",
                           R"({"\ud800":0,"type":"web_search_20250305","name":"web_search"})"}) {
    INFO(tool);
    auto tools = read(std::string(R"({"model":"m","tools":[)") + tool + "]}");
    CHECK_FALSE(tools.unreadable.empty());
    CHECK(tools.web_searches == 0);
  }
  CHECK(read(R"({"tools":[{"type":"custom","name":"t"}]})").unreadable.empty());
}

TEST_CASE("tools that cost only tokens, and hosted tool names deeper in the body, are not hosted tools",
          "[policy][hosted_tools]") {
  const char* bodies[] = {
      R"({"tools":[{"type":"computer_20250124","name":"computer"},{"type":"bash_20250124","name":"bash"}]})",
      R"({"tools":[{"codeExecution":{}},{"urlContext":{}}]})",
      R"({"messages":[{"role":"user","content":[{"type":"web_search_20250305","max_uses":1000}]}],"tools":[]})",
      R"({"tools":[{"name":"t","input_schema":{"properties":{"type":{"type":"web_search_20250305"},"googleSearch":{}}}}]})",
      R"({"metadata":{"tools":[{"type":"file_search"}]},"plugins":[],"web_search_options":null})",
      R"({"tools":null})",
  };
  for (const char* body : bodies) {
    INFO(body);
    auto tools = read(body, ApiKind::messages);
    CHECK(tools.unmetered.empty());
    CHECK(tools.unreadable.empty());
    CHECK(tools.web_searches == 0);
    CHECK_FALSE(tools.web_search_unbounded);
  }
}
