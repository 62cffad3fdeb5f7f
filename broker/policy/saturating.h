#pragma once
// Token and micro-USD arithmetic that stops at the int64 bounds instead of wrapping. Amounts
// come from requests (max_tokens) and answers (usage); a sum past INT64_MAX must stay huge —
// and so be refused by any limit — never turn negative and make room.

#include <cstdint>
#include <limits>

namespace saferun::broker::policy {

inline std::int64_t saturating_add(std::int64_t a, std::int64_t b) {
  std::int64_t sum = 0;
  if (!__builtin_add_overflow(a, b, &sum)) return sum;
  return b > 0 ? std::numeric_limits<std::int64_t>::max() : std::numeric_limits<std::int64_t>::min();
}

inline std::int64_t saturating_sub(std::int64_t a, std::int64_t b) {
  std::int64_t difference = 0;
  if (!__builtin_sub_overflow(a, b, &difference)) return difference;
  return b < 0 ? std::numeric_limits<std::int64_t>::max() : std::numeric_limits<std::int64_t>::min();
}

// For non-negative amounts.
inline std::int64_t saturating_mul(std::int64_t a, std::int64_t b) {
  std::int64_t product = 0;
  if (!__builtin_mul_overflow(a, b, &product)) return product;
  return std::numeric_limits<std::int64_t>::max();
}

}  // namespace saferun::broker::policy
