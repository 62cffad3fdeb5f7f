#pragma once
// Tests on eight bytes at once, in one 64-bit word ("SWAR"): for scans that look at every byte
// of a text, where a test per byte dominates. Each is exact as a yes/no; only the flag of the
// lowest matching byte is exact (bits above it may be false alarms from a borrow), which is
// all a search for the first match needs on a little-endian machine.

#include <cstdint>
#include <cstring>

namespace saferun::broker::byte_words {

inline constexpr std::uint64_t kOnes = 0x0101010101010101;
inline constexpr std::uint64_t kHighs = 0x8080808080808080;

inline std::uint64_t load(const char* at) {
  std::uint64_t word;
  std::memcpy(&word, at, sizeof word);
  return word;
}

// A high bit at (at least) the lowest zero byte; 0 when no byte is zero.
constexpr std::uint64_t zero_flags(std::uint64_t word) { return (word - kOnes) & ~word & kHighs; }

constexpr std::uint64_t byte_flags(std::uint64_t word, unsigned char value) { return zero_flags(word ^ (kOnes * value)); }

// Some byte is below `bound` (at most 128).
constexpr bool any_below(std::uint64_t word, unsigned char bound) { return ((word - kOnes * bound) & ~word & kHighs) != 0; }

// Some byte is above `bound` (at most 127).
constexpr bool any_above(std::uint64_t word, unsigned char bound) {
  return (((word + kOnes * (127 - bound)) | word) & kHighs) != 0;
}

}  // namespace saferun::broker::byte_words
