#pragma once
// Token usage as the providers report it, read into one shape:
//   Anthropic  usage {input_tokens (uncached), output_tokens, cache_creation_input_tokens,
//              cache_read_input_tokens} — in a message, in SSE message_start (message.usage)
//              and message_delta (usage, cumulative)
//   OpenAI     usage {prompt_tokens (cached included), completion_tokens,
//              prompt_tokens_details.cached_tokens} — chat JSON, chat's final stream chunk,
//              embeddings; Responses usage {input_tokens (cached included), output_tokens,
//              input_tokens_details.cached_tokens, output_tokens_details.reasoning_tokens},
//              top level or under `response` in its events
//   Gemini     usageMetadata {promptTokenCount, candidatesTokenCount, cachedContentTokenCount,
//              thoughtsTokenCount}, cumulative on each chunk
// and the hosted web searches a response ran, billed per search: Anthropic's
// server_tool_use.web_search_requests inside its usage (final in message_delta and the JSON
// answer; message_start's is not); OpenAI Responses' web_search_call items in the output of a
// response that carries its usage (the JSON answer, response.completed), one per query.
// Counts are cumulative in every stream, so merging keeps the largest value seen per field.

#include <cstdint>
#include <nlohmann/json_fwd.hpp>

#include "broker/policy/saturating.h"

namespace saferun::broker::policy {

struct Usage {
  std::int64_t input = 0;        // uncached input tokens
  std::int64_t output = 0;       // output tokens, reasoning included
  std::int64_t cache_write = 0;  // input tokens written to the prompt cache
  std::int64_t cache_read = 0;   // input tokens read from the prompt cache
  std::int64_t reasoning = 0;    // of `output`, spent reasoning (informational)
  std::int64_t web_searches = 0; // searches a hosted web_search tool ran
  // The answer's final search count was read (Anthropic's top-level usage, an OpenAI response's
  // output); without it, the meter charges every search the request was allowed.
  bool web_search_count_seen = false;

  // Sums saturate at INT64_MAX: an absurd report stays absurd, never negative.
  std::int64_t all_input() const { return saturating_add(saturating_add(input, cache_write), cache_read); }
  std::int64_t total() const { return saturating_add(all_input(), output); }
  Usage& operator+=(const Usage& other);
};

// Merges whatever usage `document` (a response body or one stream event) carries into
// `usage`; false when it carries none.
bool merge_usage(const nlohmann::json& document, Usage& usage);

}  // namespace saferun::broker::policy
