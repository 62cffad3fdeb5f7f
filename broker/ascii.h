#pragma once
// ASCII case helpers for protocol text (header names, URL schemes, auth schemes), where
// case-insensitivity is ASCII-only by definition. Not for user text.

#include <boost/beast/core/string.hpp>
#include <string>
#include <string_view>

namespace saferun::broker {

// Beast's string_view (boost::string_view in 1.74) as a std::string_view.
inline std::string_view view(boost::beast::string_view text) { return {text.data(), text.size()}; }
// And back, for Beast's interfaces.
inline boost::beast::string_view beast_view(std::string_view text) { return {text.data(), text.size()}; }

inline char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c; }

std::string to_lower(std::string_view text);

// `lower_prefix` is given in lower case. Inline: header policy asks it of every field's name.
inline bool starts_with_ci(std::string_view text, std::string_view lower_prefix) {
  if (text.size() < lower_prefix.size()) return false;
  for (std::size_t i = 0; i < lower_prefix.size(); ++i)
    if (ascii_lower(text[i]) != lower_prefix[i]) return false;
  return true;
}

// Orders ASCII text ignoring case, and looks up by any string_view (transparent): a set of
// lower-case names can be asked about a name as it came, without a lower-case copy of it.
struct CaseInsensitiveLess {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const;
};

}  // namespace saferun::broker
