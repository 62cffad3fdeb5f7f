#pragma once
// Tools a provider runs itself and bills per call, outside the token usage the meter reads: an
// agent under a USD budget could otherwise spend through them unseen. Read from the request's
// top-level `tools` array (each item's own keys only; nothing nested deeper is looked at) and
// OpenAI chat's `web_search_options`:
//   Anthropic  web_search_*: metered — its answer's usage counts the searches
//              (server_tool_use.web_search_requests) and `max_uses` bounds them, so the
//              reservation can cover them; code_execution_*: billed, not metered
//   OpenAI     Responses web_search*, file_search, code_interpreter, image_generation; chat
//              completions' web_search_options: billed per call, not metered
//   Gemini     googleSearch, googleSearchRetrieval, googleMaps (either spelling): not metered
// Tools that cost only tokens (client tools, web_fetch, computer use, Gemini code execution and
// URL context) are not reported.

#include <cstdint>
#include <string>
#include <string_view>

#include "broker/policy/request_body.h"

namespace saferun::broker::policy {

struct HostedTools {
  std::int64_t web_searches = 0;      // the most searches the metered web_search tools allow (sum of max_uses)
  bool web_search_unbounded = false;  // a metered web_search tool states no whole max_uses
  std::string unmetered;              // the first billed tool the meter cannot see ("" = none), as the body names it
};

// `facts` from inspect_request_body(body).
HostedTools read_hosted_tools(std::string_view body, const RequestFacts& facts, ApiKind kind);

}  // namespace saferun::broker::policy
