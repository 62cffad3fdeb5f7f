#include "broker/ascii.h"

#include <algorithm>
#include <cctype>

namespace saferun::broker {

std::string to_lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool starts_with_ci(std::string_view text, std::string_view lower_prefix) {
  if (text.size() < lower_prefix.size()) return false;
  return std::equal(lower_prefix.begin(), lower_prefix.end(), text.begin(), [](char expected, char actual) {
    return std::tolower(static_cast<unsigned char>(actual)) == expected;
  });
}

}  // namespace saferun::broker
