#pragma once
// Keys as Go's JSON decoder matches them: a gateway written in Go (OpenRouter's, a corporate
// relay) reads "N" as `n` and "MODEL" as `model`, ignoring ASCII case and reading the Kelvin
// sign (U+212A) and long s (U+017F) as k and s. The policy folds keys the same way to refuse a
// spelling it would otherwise skip while the upstream reads it.

#include <algorithm>
#include <array>
#include <iterator>
#include <string>
#include <string_view>

namespace saferun::broker::policy {

// The longest key folded: longer than any name it could fold to.
inline constexpr std::size_t kMaxFoldedKey = 64;

// `key` (at most kMaxFoldedKey bytes) folded as Go's decoder compares keys, into `storage`
// (which the view points into): every unread key of every request body is folded, so without
// an allocation.
std::string_view go_folded(std::string_view key, std::array<char, kMaxFoldedKey>& storage);

// Whether `key`, folded as Go's decoder folds it, is one of `folded` (given folded).
template <std::size_t N>
bool folds_to_one_of(std::string_view key, const std::string_view (&folded)[N]) {
  if (key.size() > kMaxFoldedKey) return false;
  std::array<char, kMaxFoldedKey> storage;
  return std::find(std::begin(folded), std::end(folded), go_folded(key, storage)) != std::end(folded);
}

}  // namespace saferun::broker::policy
