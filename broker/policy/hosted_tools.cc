#include "broker/policy/hosted_tools.h"

#include <array>
#include <charconv>

#include "broker/policy/go_fold.h"
#include "broker/policy/json_object_walk.h"
#include "broker/policy/saturating.h"

namespace saferun::broker::policy {
namespace {

bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

// Whether a tool `type` is billed per call by the provider that runs it; `metered` when it is a
// web search whose answer counts its searches: Anthropic's on Messages, OpenAI's on Responses.
bool billed_per_call(std::string_view type, ApiKind kind, bool& metered) {
  metered = (kind == ApiKind::messages && starts_with(type, "web_search_")) ||
            (kind == ApiKind::responses && starts_with(type, "web_search"));
  return starts_with(type, "web_search") || starts_with(type, "code_execution") || type == "file_search" ||
         type == "code_interpreter" || type == "image_generation";
}

// Gemini's billed grounding tools, as keys of a tool object (Go-folded: either spelling, any case).
bool gemini_billed_tool(std::string_view key) {
  static constexpr std::string_view kFolded[] = {"googlesearch", "google_search", "googlesearchretrieval",
                                                 "google_search_retrieval", "googlemaps", "google_maps"};
  return folds_to_one_of(key, kFolded);
}

// max_uses as a whole number from 1, spelled plainly; nullopt for anything else (refused).
std::optional<std::int64_t> max_uses_of(std::string_view literal) {
  std::int64_t value = 0;
  auto [end, error] = std::from_chars(literal.data(), literal.data() + literal.size(), value);
  if (error != std::errc() || end != literal.data() + literal.size() || value < 1) return std::nullopt;
  return value;
}

struct ToolKeys {
  bool readable = true;  // every key decoded (a lone surrogate does not, which other decoders accept)
  int types = 0;  // keys that read as `type` (more than one: parsers disagree on which wins)
  std::string type;
  int max_uses_keys = 0;
  std::optional<std::int64_t> max_uses;
  std::string gemini_tool;
};

ToolKeys read_tool(std::string_view item) {
  ToolKeys tool;
  JsonObjectExtent extent;
  std::array<char, kMaxFoldedKey> storage;
  tool.readable = walk_json_object(item, extent, [&](std::string_view key, ValueSpan value) {
    auto folded = key.size() <= kMaxFoldedKey ? go_folded(key, storage) : std::string_view();
    if (folded == "type") {
      ++tool.types;
      tool.type = decode_json_string(value.in(item)).value_or("");
    } else if (folded == "max_uses") {
      ++tool.max_uses_keys;
      tool.max_uses = key == "max_uses" ? max_uses_of(value.in(item)) : std::nullopt;
    } else if (tool.gemini_tool.empty() && gemini_billed_tool(key)) {
      tool.gemini_tool = std::string(key);
    }
  });
  return tool;
}

void note_unmetered(HostedTools& tools, std::string name) {
  if (tools.unmetered.empty()) tools.unmetered = std::move(name);
}

void add_tool(const ToolKeys& tool, ApiKind kind, HostedTools& tools) {
  if (!tool.readable && tools.unreadable.empty()) tools.unreadable = "a tool has a key the policy cannot decode";
  if (tool.types > 1 && tools.unreadable.empty()) tools.unreadable = "a tool has more than one \"type\"";
  if (!tool.gemini_tool.empty()) return note_unmetered(tools, tool.gemini_tool);
  if (tool.types > 1) return;
  bool metered = false;
  if (tool.types == 0 || !billed_per_call(tool.type, kind, metered)) return;
  if (!metered) return note_unmetered(tools, tool.type);
  if (kind == ApiKind::responses) {
    tools.searches_per_tool_call = true;
    return;
  }
  if (tool.max_uses_keys != 1 || !tool.max_uses) {
    tools.web_search_unbounded = true;
    return;
  }
  tools.web_searches = saturating_add(tools.web_searches, *tool.max_uses);
}

}  // namespace

HostedTools read_hosted_tools(std::string_view body, const RequestFacts& facts, ApiKind kind) {
  HostedTools tools;
  if (facts.web_search_options) note_unmetered(tools, "web_search_options");
  if (facts.plugins) note_unmetered(tools, "plugins");
  if (!facts.tools_span.present()) return tools;
  auto list = facts.tools_span.in(body);
  walk_json_array(list, [&](ValueSpan item) {
    if (item.in(list).front() == '{') add_tool(read_tool(item.in(list)), kind, tools);
  });
  return tools;
}

}  // namespace saferun::broker::policy
