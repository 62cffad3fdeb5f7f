#include "broker/policy/model_rule.h"

namespace saferun::broker::policy {

// Iterative glob with one backtrack point: linear in practice, never exponential.
bool matches_pattern(std::string_view pattern, std::string_view name) {
  std::size_t p = 0, n = 0, star = std::string_view::npos, resume = 0;
  while (n < name.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == name[n])) {
      ++p, ++n;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

const std::string* allowing_pattern(const std::vector<std::string>& allowed, std::string_view model) {
  for (const auto& pattern : allowed)
    if (matches_pattern(pattern, model)) return &pattern;
  return nullptr;
}

}  // namespace saferun::broker::policy
