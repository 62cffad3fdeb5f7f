#include "broker/policy/request_body.h"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>

#include "broker/policy/go_fold.h"
#include "broker/policy/json_object_walk.h"
#include "broker/policy/read_keys.h"

namespace saferun::broker::policy {
namespace {

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// A non-negative JSON integer as the grammar spells it (0|[1-9][0-9]*), short enough to fit:
// read here without a parser. Anything else (a sign, fractions, exponents, leading zeros, huge)
// goes to the parser.
std::optional<std::int64_t> plain_count(std::string_view digits) {
  if (digits.empty() || digits.size() > 18 || (digits.size() > 1 && digits.front() == '0')) return std::nullopt;
  std::int64_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

// A parsed value as a whole number of tokens (0 to INT64_MAX): an integer, or a float with no
// fraction ("1.0", "1e3"). nullopt for anything else — negative, fractional, past INT64_MAX, or
// not a number at all.
std::optional<std::int64_t> token_count(const nlohmann::json& parsed) {
  if (parsed.is_number_unsigned()) {
    auto value = parsed.get<std::uint64_t>();
    if (value <= static_cast<std::uint64_t>(INT64_MAX)) return static_cast<std::int64_t>(value);
    return std::nullopt;
  }
  if (parsed.is_number_integer()) {
    auto value = parsed.get<std::int64_t>();
    return value >= 0 ? std::optional(value) : std::nullopt;
  }
  if (!parsed.is_number_float()) return std::nullopt;
  auto value = parsed.get<double>();  // checked in range before the cast: past it, the cast is undefined
  if (!(value >= 0 && value < 0x1p63) || value != static_cast<double>(static_cast<std::int64_t>(value)))
    return std::nullopt;
  return static_cast<std::int64_t>(value);
}

// A count spelled some other way than plain_count reads ("1.0", "1e3"), parsed — only when it
// is short enough to be a number at all: a 32 MB nested array where a count belongs is refused
// without building its tree.
std::optional<std::int64_t> parsed_count(std::string_view literal) {
  if (literal.size() > 64) return std::nullopt;
  return token_count(nlohmann::json::parse(literal, nullptr, false));
}

// A whole number from 0 into `count`, or `not_integer` set; null is absent.
void read_count(std::string_view literal, std::optional<std::int64_t>& count, bool& not_integer) {
  if (literal == "null") return;
  count = plain_count(literal);
  if (!count) count = parsed_count(literal);
  not_integer = !count;
}

// A ceiling that is not a whole number of tokens is reported (refused under a ceiling rule;
// without one, the request reserves the policy's assumed output): a negative or wrapped value
// would otherwise make a negative reservation.
void read_output_limit(std::string_view literal, RequestFacts& facts) {
  read_count(literal, facts.output_limit, facts.output_limit_not_integer);
}

// A count of answers (`n`, `best_of`, candidateCount), each up to the output limit: a whole
// number from 1 into `count`, or `not_integer` set; null is absent.
void read_answer_count(std::string_view literal, std::optional<std::int64_t>& count, bool& not_integer) {
  read_count(literal, count, not_integer);
  if (count == 0) count.reset(), not_integer = true;
}

void read_choices(std::string_view literal, RequestFacts& facts) {
  read_answer_count(literal, facts.choices, facts.choices_not_integer);
}

// A legacy completion's `prompt`: one text, one token list, or an array of either — each of
// which gets its own n answers.
std::int64_t prompt_count(std::string_view literal) {
  std::int64_t texts = 0;
  walk_json_array(literal, [&](ValueSpan item) {
    auto first = item.in(literal).front();
    if (first == '"' || first == '[') ++texts;
  });
  return std::max<std::int64_t>(texts, 1);
}

// stream_options read without building a tree (a client's value may nest 100,000 deep): its
// include_usage, and where that value sits so it can be set without re-writing the rest.
void read_stream_options(std::string_view literal, ValueSpan span, RequestFacts& facts) {
  facts.stream_options_span = span;
  JsonObjectExtent extent;
  bool seen = false;
  walk_json_object(literal, extent, [&](std::string_view key, ValueSpan value) {
    if (key != "include_usage") return;
    if (seen && facts.duplicate_key.empty()) facts.duplicate_key = "stream_options.include_usage";
    seen = true;
    facts.include_usage_span = {span.begin + value.begin, span.begin + value.end};
    facts.include_usage = value.in(literal) == "true";
  });
}

// "[]" (whitespace inside allowed).
bool is_empty_array(std::string_view literal) {
  return literal.front() == '[' && literal.find_first_not_of(" \t\r\n", 1) == literal.size() - 1;
}

// Anthropic's thinking.budget_tokens, which must stay below max_tokens.
void read_thinking_budget(std::string_view literal, ValueSpan span, RequestFacts& facts) {
  JsonObjectExtent extent;
  walk_json_object(literal, extent, [&](std::string_view key, ValueSpan value) {
    if (key != "budget_tokens") return;
    facts.thinking_budget = plain_count(value.in(literal));
    facts.thinking_budget_span = {span.begin + value.begin, span.begin + value.end};
  });
}

// Go's JSON decoder matches keys ignoring case ("N" sets n, "MODEL" the model): a gateway
// written in Go would read such a key where the policy does not.
bool spells_read_key_otherwise(std::string_view key) {
  if (key.size() > kMaxFoldedKey) return false;  // longer than any name it could fold to
  std::array<char, kMaxFoldedKey> storage;
  return kFoldedReadKeyTable.find(go_folded(key, storage)).has_value();
}

// The same inside Gemini's generationConfig (a Go relay in front of Gemini reads it so).
bool spells_gemini_key_otherwise(std::string_view key) {
  static constexpr std::string_view kFolded[] = {"maxoutputtokens", "max_output_tokens", "candidatecount",
                                                 "candidate_count"};
  return folds_to_one_of(key, kFolded);
}

// Records one top-level member we read; `seen` has a bit per kReadKeys entry.
void note_member(ReadKey key, std::string_view literal, ValueSpan span, RequestFacts& facts, unsigned& seen) {
  const auto bit = 1u << static_cast<unsigned>(key);
  const std::string_view name = kReadKeys[static_cast<std::size_t>(key)];
  if (seen & bit) {
    if (facts.duplicate_key.empty()) facts.duplicate_key = name;
    return;
  }
  seen |= bit;
  switch (key) {
    case ReadKey::model: facts.model = decode_json_string(literal).value_or(""); return;
    case ReadKey::stream: facts.stream = literal == "true"; return;
    case ReadKey::stream_options: return read_stream_options(literal, span, facts);
    case ReadKey::n: return read_choices(literal, facts);
    case ReadKey::best_of: return read_answer_count(literal, facts.best_of, facts.best_of_not_integer);
    case ReadKey::prompt: facts.prompts = prompt_count(literal); return;
    case ReadKey::generation_config: facts.generation_config_span = span; return;  // Gemini only (read_gemini_limits)
    case ReadKey::models:
    case ReadKey::fallbacks: facts.fallback_models = literal != "null"; return;
    case ReadKey::background: facts.background = literal == "true"; return;
    case ReadKey::thinking: return read_thinking_budget(literal, span, facts);
    case ReadKey::tools: facts.tools_span = span; return;
    case ReadKey::web_search_options: facts.web_search_options = literal != "null"; return;
    case ReadKey::max_tool_calls:
      facts.tool_calls_span = span;
      return read_count(literal, facts.tool_calls_limit, facts.tool_calls_not_integer);
    case ReadKey::plugins: facts.plugins = literal != "null" && !is_empty_array(literal); return;
    case ReadKey::max_tokens:
    case ReadKey::max_output_tokens:
    case ReadKey::max_completion_tokens:
      if (!facts.output_field.empty() && facts.duplicate_key.empty()) facts.duplicate_key = name;
      facts.output_field = name;
      facts.output_span = span;
      return read_output_limit(literal, facts);
  }
}

// The allowlist matches "/v1/messages/" as "/v1/messages" (and an upstream may route it so):
// the policy reads the API from the path the same way.
std::string_view without_trailing_slashes(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  return path;
}

// `member` added to the object (or the null) whose value is at `span`.
BodySplice splice_into_object(std::string_view body, ValueSpan span, const std::string& member) {
  auto value = span.in(body);
  if (value == "null") return {span.begin, value.size(), "{" + member + "}"};
  bool empty = value.find_first_not_of(" \t\r\n", 1) == value.size() - 1;  // "{ }"
  return {span.begin + 1, 0, member + (empty ? "" : ",")};
}

}  // namespace

// Read off the last segment (and, for two kinds, the one before it) rather than by trying
// each kind's suffix in turn: every request's path is classified.
ApiKind api_kind_of(std::string_view path) {
  path = without_trailing_slashes(path);
  if (auto method = path_method(path); !method.empty()) {
    if (method == "generateContent" || method == "streamGenerateContent") return ApiKind::gemini;
    if (method == "countTokens") return ApiKind::count_tokens;
    if (method == "embedContent" || method == "batchEmbedContents") return ApiKind::embeddings;
    return ApiKind::other;
  }
  const auto slash = path.rfind('/');
  if (slash == std::string_view::npos) return ApiKind::other;
  const auto last = path.substr(slash + 1), parent = path.substr(0, slash);
  if (last == "messages") return ApiKind::messages;
  if (last == "count_tokens") return ends_with(parent, "/messages") ? ApiKind::count_tokens : ApiKind::other;
  if (last == "completions") return ends_with(parent, "/chat") ? ApiKind::chat : ApiKind::completions;
  if (last == "responses") return ApiKind::responses;
  if (last == "embeddings") return ApiKind::embeddings;
  return ApiKind::other;
}

std::string_view output_field_for(ApiKind kind) {
  switch (kind) {
    case ApiKind::messages: return "max_tokens";
    case ApiKind::chat: return "max_completion_tokens";
    case ApiKind::completions: return "max_tokens";
    case ApiKind::responses: return "max_output_tokens";
    case ApiKind::gemini: return "maxOutputTokens";  // inside generationConfig
    default: return "";
  }
}

bool honours_output_field(ApiKind kind, std::string_view field) {
  switch (kind) {
    case ApiKind::messages: return field == "max_tokens";
    case ApiKind::chat: return field == "max_completion_tokens" || field == "max_tokens";
    case ApiKind::completions: return field == "max_tokens";
    case ApiKind::responses: return field == "max_output_tokens";
    case ApiKind::gemini: return field == kGeminiOutputField;
    default: return false;
  }
}

void forget_foreign_output_field(ApiKind kind, RequestFacts& facts) {
  if (facts.output_field.empty() || honours_output_field(kind, facts.output_field)) return;
  facts.output_field.clear();
  facts.output_span = {};
  facts.output_limit.reset();
  facts.output_limit_not_integer = false;
}

bool read_gemini_limits(std::string_view body, RequestFacts& facts) {
  facts.choices.reset();  // a top-level `n` is no Gemini field
  facts.choices_not_integer = false;
  auto config = facts.generation_config_span;
  if (!config.present() || config.in(body) == "null") return true;
  constexpr unsigned kOutput = 1, kCandidates = 2;
  unsigned seen = 0;
  JsonObjectExtent extent;
  return walk_json_object(config.in(body), extent, [&](std::string_view key, ValueSpan value) {
    unsigned which = key == "maxOutputTokens" || key == "max_output_tokens"   ? kOutput
                     : key == "candidateCount" || key == "candidate_count" ? kCandidates
                                                                            : 0;
    if (which == 0) {
      if (facts.case_variant_key.empty() && spells_gemini_key_otherwise(key)) facts.case_variant_key = key;
      return;
    }
    auto name = which == kOutput ? kGeminiOutputField : std::string_view("generationConfig.candidateCount");
    if (seen & which) {
      if (facts.duplicate_key.empty()) facts.duplicate_key = name;
      return;
    }
    seen |= which;
    ValueSpan absolute{config.begin + value.begin, config.begin + value.end};
    if (which == kCandidates) return read_choices(absolute.in(body), facts);
    facts.output_field = name;
    facts.output_span = absolute;
    read_output_limit(absolute.in(body), facts);
    // Proto3 reads 0 as "not set": the model's own maximum. It counts as no limit (the ceiling
    // replaces it; without one the assumed output is reserved).
    if (facts.output_limit == 0) facts.output_limit.reset();
  });
}

std::string_view path_method(std::string_view path) {
  path = without_trailing_slashes(path);
  auto segment = path.substr(path.rfind('/') + 1);
  auto colon = segment.find(':');
  if (colon == std::string_view::npos) return "";
  auto method = segment.substr(colon + 1);
  return method.substr(0, method.find('?'));
}

std::string model_from_path(std::string_view path) {
  path = without_trailing_slashes(path);
  auto at = path.find("/models/");
  if (at == std::string_view::npos) return "";
  auto rest = path.substr(at + 8);
  auto colon = rest.find(':');
  if (colon == std::string_view::npos || rest.substr(0, colon).find('/') != std::string_view::npos) return "";
  return std::string(rest.substr(0, colon));
}

RequestFacts inspect_request_body(std::string_view body) {
  RequestFacts facts;
  unsigned seen = 0;
  JsonObjectExtent extent;
  auto read = walk_json_object(body, extent, [&](std::string_view key, ValueSpan span) {
    if (key == "generation_config") key = "generationConfig";  // Gemini's JSON reads both spellings
    if (auto known = read_key_of(key)) return note_member(*known, span.in(body), span, facts, seen);
    if (facts.case_variant_key.empty() && spells_read_key_otherwise(key)) facts.case_variant_key = key;
  });
  if (!read) return RequestFacts{};
  facts.json_object = true;
  facts.object_begin = extent.object_begin;
  facts.object_empty = extent.empty;
  return facts;
}

std::vector<BodySplice> request_body_splices(std::string_view body, const RequestFacts& facts, const BodyEdits& edits) {
  std::vector<BodySplice> splices;
  std::string inserted;
  if (edits.set_output && facts.output_span.present()) {
    splices.push_back({facts.output_span.begin, facts.output_span.end - facts.output_span.begin,
                       std::to_string(*edits.set_output)});
  } else if (edits.set_output && !edits.insert_field.empty()) {
    auto member = "\"" + edits.insert_field + "\":" + std::to_string(*edits.set_output);
    if (edits.insert_wrapper.empty()) {
      inserted += member;
    } else if (!edits.wrapper_span.present()) {
      inserted += "\"" + edits.insert_wrapper + "\":{" + member + "}";
    } else {
      splices.push_back(splice_into_object(body, edits.wrapper_span, member));
    }
  }
  if (edits.ask_usage && !facts.include_usage) {
    auto options = facts.stream_options_span;
    if (facts.include_usage_span.present()) {
      auto value = facts.include_usage_span;
      splices.push_back({value.begin, value.end - value.begin, "true"});
    } else if (options.present() && (options.in(body).front() == '{' || options.in(body) == "null")) {
      splices.push_back(splice_into_object(body, options, "\"include_usage\":true"));
    } else if (options.present()) {  // not an object: the upstream would refuse it as sent
      splices.push_back({options.begin, options.end - options.begin, "{\"include_usage\":true}"});
    } else {
      inserted += std::string(inserted.empty() ? "" : ",") + "\"stream_options\":{\"include_usage\":true}";
    }
  }
  if (edits.set_tool_calls && facts.tool_calls_span.present()) {
    auto span = facts.tool_calls_span;
    splices.push_back({span.begin, span.end - span.begin, std::to_string(*edits.set_tool_calls)});
  } else if (edits.set_tool_calls) {
    inserted += std::string(inserted.empty() ? "" : ",") + "\"max_tool_calls\":" + std::to_string(*edits.set_tool_calls);
  }
  if (edits.set_thinking_budget && facts.thinking_budget_span.present()) {
    auto span = facts.thinking_budget_span;
    splices.push_back({span.begin, span.end - span.begin, std::to_string(*edits.set_thinking_budget)});
  }
  if (!inserted.empty()) splices.push_back({facts.object_begin + 1, 0, inserted + (facts.object_empty ? "" : ",")});
  std::sort(splices.begin(), splices.end(), [](const BodySplice& a, const BodySplice& b) { return a.offset < b.offset; });
  return splices;
}

std::string apply_splices(std::string_view body, const std::vector<BodySplice>& splices) {
  std::string out;
  out.reserve(body.size() + 64);
  std::size_t from = 0;
  for (const auto& splice : splices) {
    out.append(body.substr(from, splice.offset - from));
    out += splice.replacement;
    from = splice.offset + splice.length;
  }
  out.append(body.substr(from));
  return out;
}

std::string edit_request_body(std::string_view body, const RequestFacts& facts, const BodyEdits& edits) {
  return apply_splices(body, request_body_splices(body, facts, edits));
}

}  // namespace saferun::broker::policy
