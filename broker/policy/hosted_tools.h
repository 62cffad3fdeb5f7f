#pragma once
// Tools a provider runs itself and bills per call, outside the token usage the meter reads: an
// agent under a USD budget could otherwise spend through them unseen. Read from the request's
// top-level `tools` array (each item's own keys only; nothing nested deeper is looked at) and
// OpenAI chat's `web_search_options`:
//   Anthropic  web_search_*: metered — its answer's usage counts the searches
//              (server_tool_use.web_search_requests) and `max_uses` bounds them, so the
//              reservation can cover them; code_execution_*: billed, not metered
//   OpenAI     Responses web_search*: metered — each web_search_call in the answer's output is a
//              search, and `max_tool_calls` bounds them; file_search, code_interpreter,
//              image_generation, and chat completions' web_search_options: billed, not metered
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
  bool searches_per_tool_call = false; // Responses web_search: bounded by the request's max_tool_calls
  std::string unmetered;              // the first billed tool the meter cannot see ("" = none), as the body names it
  std::string unreadable;             // why a tool item could not be read ("" = all were): parsers may disagree on it
};

// `facts` from inspect_request_body(body).
HostedTools read_hosted_tools(std::string_view body, const RequestFacts& facts, ApiKind kind);

}  // namespace saferun::broker::policy
