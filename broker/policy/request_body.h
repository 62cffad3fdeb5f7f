#pragma once
// What the policy needs from a request's JSON body, found by one pass over its top level
// (nested values are skipped, not parsed: a 4 MB Claude Code body costs a byte scan, not a
// DOM), and the small edits it may make: lower the output ceiling, insert it, and ask a
// streaming OpenAI chat for its usage chunk.
//
// Fails closed against a body written to fool it: a key we read that appears twice, or that
// is spelled with escapes, is decoded as the upstream's JSON parser would, and a duplicate is
// reported so the request can be refused (parsers disagree on which copy wins).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/body/request_body.h"
#include "broker/policy/json_object_walk.h"

namespace saferun::broker::policy {

// Which API a request speaks, from its path; decides the ceiling's field name and whether it
// has an output at all.
enum class ApiKind { messages, count_tokens, chat, completions, responses, embeddings, gemini, other };

ApiKind api_kind_of(std::string_view path);

struct RequestFacts {
  bool json_object = false;  // the body is one JSON object
  std::string model;         // "" when absent or not a string
  std::string duplicate_key; // a key we read that appeared twice ("" = none)
  std::string case_variant_key;  // a key spelled like one we read in another case ("MODEL", "N")
  std::string output_field;  // "max_tokens" | "max_output_tokens" | "max_completion_tokens" | kGeminiOutputField | ""
  std::optional<std::int64_t> output_limit;  // its value, when a whole number from 0 to INT64_MAX
  bool output_limit_not_integer = false;     // present, not null, and not such a number
  std::optional<std::int64_t> choices;       // `n` (OpenAI chat: answers generated, each up to the limit)
  bool choices_not_integer = false;          // `n` present, not null, and not a whole number from 1
  std::optional<std::int64_t> best_of;       // legacy completions: answers generated (n of them returned)
  bool best_of_not_integer = false;
  std::int64_t prompts = 1;                  // legacy completions: prompts in `prompt`, each answered
  bool fallback_models = false;              // OpenRouter's `models` / `fallbacks`: other models may run
  bool background = false;                   // Responses `background: true`: answered before it runs
  std::optional<std::int64_t> thinking_budget;  // Anthropic thinking.budget_tokens
  ValueSpan thinking_budget_span;
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage == true
  ValueSpan output_span;
  ValueSpan stream_options_span;
  ValueSpan include_usage_span;  // stream_options.include_usage's value
  ValueSpan generation_config_span;  // Gemini's generationConfig (or generation_config)
  ValueSpan tools_span;              // `tools`: read for hosted tools (hosted_tools.h)
  bool web_search_options = false;   // OpenAI chat's `web_search_options`, present and not null
  bool plugins = false;              // OpenRouter's `plugins` (web search, file parsing), present and not null or []
  std::optional<std::int64_t> tool_calls_limit;  // Responses `max_tool_calls`: built-in tool calls allowed
  bool tool_calls_not_integer = false;           // present, not null, and not a whole number from 0
  ValueSpan tool_calls_span;
  std::size_t object_begin = 0;  // offset of the top-level '{'
  bool object_empty = true;
};

RequestFacts inspect_request_body(std::string_view body);

// Gemini's output limit, as RequestFacts::output_field names it.
inline constexpr std::string_view kGeminiOutputField = "generationConfig.maxOutputTokens";

// Gemini's output limit and answer count live in generationConfig, under camelCase or proto
// snake_case names (its JSON reads both; both at once is a duplicate): read into `facts` (their
// spans in `body`). False when generationConfig is present but not an object the policy can read.
bool read_gemini_limits(std::string_view body, RequestFacts& facts);

// The method a Google-style path names after a ':' in its last segment ("streamGenerateContent"
// in ".../models/gemini-2.5-pro:streamGenerateContent"); "" when it names none.
std::string_view path_method(std::string_view path);

// "models/<name>:<method>" in a Gemini path names the model there.
std::string model_from_path(std::string_view path);

// The ceiling's field for an API that has an output ("" for none).
std::string_view output_field_for(ApiKind kind);

// Whether `kind` honours `field` as its output limit: max_tokens for Messages,
// max_completion_tokens (or the older max_tokens) for chat, max_output_tokens for Responses;
// none for the others (Gemini's is nested, generationConfig.maxOutputTokens, and not read).
bool honours_output_field(ApiKind kind, std::string_view field);

// Forgets an output field `kind` does not honour, as if the body had none: it is no limit the
// upstream applies (a gateway that ignores unknown fields lets the model run to its own maximum),
// so it must neither size the reservation nor stand in for the ceiling.
void forget_foreign_output_field(ApiKind kind, RequestFacts& facts);

struct BodyEdits {
  std::optional<std::int64_t> set_output;  // replace (or insert under `insert_field`) the ceiling
  std::string insert_field;                // field to insert when the request has none
  bool ask_usage = false;                  // stream_options.include_usage = true
  // Gemini: the object the field goes in (generationConfig), when not the top level; its
  // value's span when the body has it (an object to insert into, or null to replace).
  std::string insert_wrapper;
  ValueSpan wrapper_span;
  std::optional<std::int64_t> set_thinking_budget;  // Anthropic: kept below a lowered max_tokens
  std::optional<std::int64_t> set_tool_calls;       // Responses: max_tool_calls replaced, or inserted
};

// `edits` as splices of the received body (in body order, at most two, none overlapping), so
// the edited body is forwarded without copying it; `facts` must come from inspect_request_body(body).
std::vector<BodySplice> request_body_splices(std::string_view body, const RequestFacts& facts, const BodyEdits& edits);

// The body with `splices` applied (a copy: for tests and dry runs, not the forwarding path).
std::string apply_splices(std::string_view body, const std::vector<BodySplice>& splices);

// The body with `edits` applied.
std::string edit_request_body(std::string_view body, const RequestFacts& facts, const BodyEdits& edits);

}  // namespace saferun::broker::policy
