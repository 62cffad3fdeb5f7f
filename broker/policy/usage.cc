#include "broker/policy/usage.h"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>

namespace saferun::broker::policy {
namespace {

using nlohmann::json;

// A reported count: negative counts as 0; past INT64_MAX (an unsigned or a float too large to
// cast) as INT64_MAX, so it is charged in full rather than wrapped.
std::int64_t count(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_number()) return 0;
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  if (it->is_number_unsigned()) return it->get<std::uint64_t>() > static_cast<std::uint64_t>(kMax) ? kMax : it->get<std::int64_t>();
  if (it->is_number_integer()) return std::max<std::int64_t>(it->get<std::int64_t>(), 0);
  auto value = it->get<double>();
  if (!(value > 0)) return 0;
  return value >= 0x1p63 ? kMax : static_cast<std::int64_t>(value);
}

std::int64_t nested_count(const json& object, const char* outer, const char* key) {
  auto it = object.find(outer);
  return it != object.end() && it->is_object() ? count(*it, key) : 0;
}

void keep_max(std::int64_t& field, std::int64_t value) { field = std::max(field, value); }

void merge_usage_object(const json& u, Usage& usage) {
  if (u.contains("prompt_tokens")) {  // OpenAI chat and embeddings: cached tokens are within prompt_tokens
    auto cached = nested_count(u, "prompt_tokens_details", "cached_tokens");
    keep_max(usage.cache_read, cached);
    keep_max(usage.input, count(u, "prompt_tokens") - cached);
    keep_max(usage.output, count(u, "completion_tokens"));
    keep_max(usage.reasoning, nested_count(u, "completion_tokens_details", "reasoning_tokens"));
  } else if (u.contains("total_tokens") || u.contains("input_tokens_details")) {  // OpenAI Responses
    auto cached = nested_count(u, "input_tokens_details", "cached_tokens");
    keep_max(usage.cache_read, cached);
    keep_max(usage.input, count(u, "input_tokens") - cached);
    keep_max(usage.output, count(u, "output_tokens"));
    keep_max(usage.reasoning, nested_count(u, "output_tokens_details", "reasoning_tokens"));
  } else {  // Anthropic: input_tokens excludes both cache counts
    keep_max(usage.input, count(u, "input_tokens"));
    keep_max(usage.output, count(u, "output_tokens"));
    keep_max(usage.cache_write, count(u, "cache_creation_input_tokens"));
    keep_max(usage.cache_read, count(u, "cache_read_input_tokens"));
  }
}

void merge_gemini(const json& m, Usage& usage) {
  auto cached = count(m, "cachedContentTokenCount");
  keep_max(usage.cache_read, cached);
  keep_max(usage.input, count(m, "promptTokenCount") - cached);
  auto thoughts = count(m, "thoughtsTokenCount");
  keep_max(usage.output, saturating_add(count(m, "candidatesTokenCount"), thoughts));
  keep_max(usage.reasoning, thoughts);
}

const json* object_at(const json& document, const char* key) {
  auto it = document.find(key);
  return it != document.end() && it->is_object() ? &*it : nullptr;
}

// Anthropic's count of its hosted searches, in a usage object.
void read_server_tool_use(const json& u, Usage& usage) {
  auto tools = u.find("server_tool_use");
  if (tools == u.end() || !tools->is_object()) return;
  keep_max(usage.web_searches, count(*tools, "web_search_requests"));
  usage.web_search_count_seen = true;
}

// A web_search_call's searches: one per query when it lists several (action.queries), else one.
std::int64_t searches_in(const json& call) {
  auto action = call.find("action");
  if (action == call.end() || !action->is_object()) return 1;
  auto queries = action->find("queries");
  if (queries == action->end() || !queries->is_array()) return 1;
  return std::max<std::int64_t>(static_cast<std::int64_t>(queries->size()), 1);
}

// OpenAI Responses: the web_search_call items in a response's output, each billed per search.
void count_web_search_calls(const json& response, Usage& usage) {
  auto output = response.find("output");
  if (output == response.end() || !output->is_array()) return;
  std::int64_t searches = 0;
  for (const auto& item : *output) {
    auto type = item.is_object() ? item.find("type") : item.end();
    if (type != item.end() && type->is_string() && *type == "web_search_call")
      searches = saturating_add(searches, searches_in(item));
  }
  keep_max(usage.web_searches, searches);
  usage.web_search_count_seen = true;
}

}  // namespace

Usage& Usage::operator+=(const Usage& other) {
  input = saturating_add(input, other.input);
  output = saturating_add(output, other.output);
  cache_write = saturating_add(cache_write, other.cache_write);
  cache_read = saturating_add(cache_read, other.cache_read);
  reasoning = saturating_add(reasoning, other.reasoning);
  web_searches = saturating_add(web_searches, other.web_searches);
  return *this;
}

bool merge_usage(const json& document, Usage& usage) {
  if (!document.is_object()) return false;
  bool found = false;
  if (const auto* u = object_at(document, "usage")) {
    merge_usage_object(*u, usage), found = true;
    read_server_tool_use(*u, usage);  // message_delta, or a whole message
    count_web_search_calls(document, usage);
  }
  for (const char* holder : {"message", "response"}) {
    if (const auto* inner = object_at(document, holder)) {
      if (const auto* u = object_at(*inner, "usage")) merge_usage_object(*u, usage), found = true;
      if (found) count_web_search_calls(*inner, usage);
    }
  }
  if (const auto* m = object_at(document, "usageMetadata")) merge_gemini(*m, usage), found = true;
  return found;
}

}  // namespace saferun::broker::policy
