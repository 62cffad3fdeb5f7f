#pragma once
// ASCII case helpers for protocol text (header names, URL schemes, auth schemes), where
// case-insensitivity is ASCII-only by definition. Not for user text.

#include <boost/beast/core/string.hpp>
#include <string>
#include <string_view>

namespace saferun::broker {

// Beast's string_view (boost::string_view in 1.74) as a std::string_view.
inline std::string_view view(boost::beast::string_view text) { return {text.data(), text.size()}; }

std::string to_lower(std::string_view text);

// The same into `scratch` (reused from call to call: no allocation once it is large enough),
// as a view of its first text.size() bytes; scratch itself is not resized down to the text.
std::string_view lower_into(std::string_view text, std::string& scratch);

// `lower_prefix` is given in lower case.
bool starts_with_ci(std::string_view text, std::string_view lower_prefix);

}  // namespace saferun::broker
