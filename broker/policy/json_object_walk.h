#pragma once
// One pass over a JSON object's members without building a DOM: each key as the upstream's
// parser decodes it, each value as a byte range (nested values are skipped, not parsed — a
// 4 MB Claude Code body costs a byte scan). The policy reads the request body's top level with
// it, and Gemini's generationConfig inside it.
//
// Structure is checked (strings, separators; nested values are skipped by counting brackets,
// without recursion and without matching their kind); the spelling of numbers and literals is
// not, and bytes after the object's closing brace are ignored. Nothing here builds a tree: a
// deeply nested body costs a scan, never a stack or memory per level.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "broker/policy/function_ref.h"

namespace saferun::broker::policy {

struct ValueSpan {
  std::size_t begin = 0;
  std::size_t end = 0;  // past the value; 0 = absent
  bool present() const { return end != 0; }
  std::string_view in(std::string_view text) const { return text.substr(begin, end - begin); }
};

struct JsonObjectExtent {
  std::size_t object_begin = 0;  // offset of the '{'
  bool empty = true;
};

// Calls `visit` with each member's decoded key and its value's span in `text`, in order; false
// when `text` (after whitespace) does not start with one JSON object whose keys all decode.
bool walk_json_object(std::string_view text, JsonObjectExtent& extent,
                      FunctionRef<void(std::string_view key, ValueSpan value)> visit);

// Calls `visit` with each item's span in `text` (a JSON array after whitespace); false when it is
// not one.
bool walk_json_array(std::string_view text, FunctionRef<void(ValueSpan item)> visit);

// A JSON string literal decoded as a parser would; nullopt when not a string.
std::optional<std::string> decode_json_string(std::string_view literal);

// Where the JSON value starting at `at` ends (strings and nesting respected); nullopt when it
// does not end within `text`.
std::optional<std::size_t> end_of_json_value(std::string_view text, std::size_t at);

}  // namespace saferun::broker::policy
