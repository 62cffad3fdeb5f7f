#pragma once
// Keys as Go's JSON decoder matches them: a gateway written in Go (OpenRouter's, a corporate
// relay) reads "N" as `n` and "MODEL" as `model`, ignoring ASCII case and reading the Kelvin
// sign (U+212A) and long s (U+017F) as k and s. The policy folds keys the same way to refuse a
// spelling it would otherwise skip while the upstream reads it.

#include <algorithm>
#include <iterator>
#include <string>
#include <string_view>

namespace saferun::broker::policy {

// `key` folded as Go's decoder compares keys.
std::string go_folded(std::string_view key);

// Whether `key`, folded as Go's decoder folds it, is one of `folded` (given folded).
template <std::size_t N>
bool folds_to_one_of(std::string_view key, const std::string_view (&folded)[N]) {
  if (key.size() > 64) return false;  // longer than any name it could fold to
  return std::find(std::begin(folded), std::end(folded), go_folded(key)) != std::end(folded);
}

}  // namespace saferun::broker::policy
