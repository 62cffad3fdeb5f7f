#pragma once
// Finds top-level members of a JSON object in one pass over its bytes, without building a
// DOM or copying: for each name asked for, where its value's raw bytes sit in the text — what
// a PreForwardHook needs to read `model` and `max_tokens` from a 4 MB body and splice a new
// `max_tokens` value in. Keys are compared after JSON unescaping ("max\u005ftokens" is
// max_tokens, as the upstream will read it), and every occurrence is counted, so a caller can
// refuse a body that names a field twice rather than guess which one the upstream honours.
// Structure is checked (strings, nesting, separators); number and literal syntax is not.

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace saferun::broker {

struct JsonMember {
  std::size_t offset = 0;  // of the value's first byte
  std::size_t length = 0;  // of the value's raw text (quotes included for a string)
  std::size_t count = 0;   // occurrences; offset/length are the last one's
};

// One entry per name, in order; nullopt when `json` is not a well-formed JSON object.
std::optional<std::vector<JsonMember>> find_json_members(std::string_view json,
                                                         const std::vector<std::string_view>& names);

}  // namespace saferun::broker
