#pragma once
// ASCII case helpers for protocol text (header names, URL schemes, auth schemes), where
// case-insensitivity is ASCII-only by definition. Not for user text.

#include <string>
#include <string_view>

namespace saferun::broker {

std::string to_lower(std::string_view text);

// The same into `scratch` (reused from call to call: no allocation once it is large enough).
std::string_view lower_into(std::string_view text, std::string& scratch);

// `lower_prefix` is given in lower case.
bool starts_with_ci(std::string_view text, std::string_view lower_prefix);

}  // namespace saferun::broker
