#pragma once
// The top-level keys the request-body scan reads, and the lookup that matches a key against
// them. Every key of every request body is looked up (most are not read), so a lookup goes by
// the key's length to the one to three names that long and compares only those, not the whole
// list.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace saferun::broker::policy {

// A fixed set of keys, each 1 to kMaxLength bytes (a constexpr table outside that fails to
// compile): find() compares `key` with the names of its length only, first byte first.
template <std::size_t N>
class KeyTable {
 public:
  static constexpr std::size_t kMaxLength = 31;

  constexpr explicit KeyTable(const std::string_view (&keys)[N]) {
    for (std::size_t i = 0; i < N; ++i) {
      if (keys[i].empty() || keys[i].size() > kMaxLength) throw "KeyTable: a key of 1 to kMaxLength bytes";
      keys_[i] = keys[i];
      ++begin_[keys[i].size() + 1];
    }
    for (std::size_t length = 1; length < begin_.size(); ++length) begin_[length] += begin_[length - 1];
    auto next = begin_;
    for (std::size_t i = 0; i < N; ++i) order_[next[keys[i].size()]++] = static_cast<std::uint8_t>(i);
  }

  // The index of `key` among the keys, if it is one.
  constexpr std::optional<std::size_t> find(std::string_view key) const {
    if (key.empty() || key.size() > kMaxLength) return std::nullopt;
    for (auto at = begin_[key.size()]; at < begin_[key.size() + 1]; ++at) {
      auto name = keys_[order_[at]];
      if (name[0] == key[0] && name == key) return order_[at];
    }
    return std::nullopt;
  }

 private:
  static_assert(N < 256);
  std::array<std::string_view, N> keys_{};
  std::array<std::uint8_t, N> order_{};                 // indexes, shortest keys first
  std::array<std::uint8_t, kMaxLength + 2> begin_{};  // where keys of each length start in order_
};

// The top-level keys the scan reads, in ReadKey order; every other key is skipped unread.
inline constexpr std::string_view kReadKeys[] = {
    "model",     "stream",  "stream_options",   "max_tokens", "max_output_tokens", "max_completion_tokens",
    "n",         "best_of", "prompt",           "generationConfig", "models",       "fallbacks",
    "background", "thinking", "tools",          "web_search_options", "plugins",    "max_tool_calls"};

enum class ReadKey : std::uint8_t {
  model, stream, stream_options, max_tokens, max_output_tokens, max_completion_tokens,
  n, best_of, prompt, generation_config, models, fallbacks,
  background, thinking, tools, web_search_options, plugins, max_tool_calls,
};

inline constexpr KeyTable kReadKeyTable(kReadKeys);

// Which read key `key` is, if any (spelled exactly).
inline std::optional<ReadKey> read_key_of(std::string_view key) {
  auto index = kReadKeyTable.find(key);
  return index ? std::optional(static_cast<ReadKey>(*index)) : std::nullopt;
}

// The read keys as Go's decoder folds them (go_fold.h: ASCII lower case), and Gemini's other
// spelling of generationConfig: a key folding to one of these is read by a Go gateway.
inline constexpr std::string_view kFoldedReadKeys[] = {
    "model",     "stream",  "stream_options",   "max_tokens", "max_output_tokens", "max_completion_tokens",
    "n",         "best_of", "prompt",           "generationconfig", "models",       "fallbacks",
    "background", "thinking", "tools",          "web_search_options", "plugins",    "max_tool_calls",
    "generation_config"};

inline constexpr KeyTable kFoldedReadKeyTable(kFoldedReadKeys);

namespace read_keys_detail {
constexpr bool lower_case_of(std::string_view name, std::string_view folded) {
  if (name.size() != folded.size()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i] >= 'A' && name[i] <= 'Z' ? static_cast<char>(name[i] + ('a' - 'A')) : name[i];
    if (c != folded[i]) return false;
  }
  return true;
}
constexpr bool folded_in_order() {
  for (std::size_t i = 0; i < std::size(kReadKeys); ++i)
    if (!lower_case_of(kReadKeys[i], kFoldedReadKeys[i])) return false;
  return std::size(kFoldedReadKeys) == std::size(kReadKeys) + 1;
}
}  // namespace read_keys_detail

static_assert(read_keys_detail::folded_in_order(), "kFoldedReadKeys: kReadKeys in lower case, in order");

}  // namespace saferun::broker::policy
