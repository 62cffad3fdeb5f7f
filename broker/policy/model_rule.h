#pragma once
// Model-name patterns: `*` matches any run of characters, `?` any one; everything else is
// literal and case-sensitive (providers' model ids are). Used by the model allowlist and by
// the price table.

#include <string>
#include <string_view>
#include <vector>

namespace saferun::broker::policy {

bool matches_pattern(std::string_view pattern, std::string_view name);

// The first pattern of `allowed` that `model` matches, or nullptr. An empty list allows none.
const std::string* allowing_pattern(const std::vector<std::string>& allowed, std::string_view model);

}  // namespace saferun::broker::policy
