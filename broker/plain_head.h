#pragma once
// A message head in the plain form real clients and providers send, recognised in one pass
// (control bytes found 16 at a time) instead of Beast's byte-by-byte field grammar (a quarter
// of the broker's own instructions per request with real heads, bench/RESULTS.md fifteenth
// pass).
//
// It only ever says yes or "not plain": it accepts a strict subset of what Beast accepts, and
// anything else — a head not whole yet, over the limit, a start line not of the shape below,
// obs-fold, a bare CR or LF, a control byte, an empty or odd name, more fields than
// kMaxFields — is left for Beast to parse from the same bytes as before, with the same result. For a plain head, Beast still parses the
// start line and every field that decides framing (Content-Length, Transfer-Encoding,
// Connection, Proxy-Connection, Upgrade): they are copied verbatim, in order, into a short
// framing head that Beast parses, so the body's framing, keep-alive and upgrade are Beast's
// own verdict. tests/broker/plain_head_test.cc (mutated real heads) and
// plain_head_adversary_test.cc (a second reader's attacks) check that a head taken here yields
// what Beast yields from the original bytes.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace saferun::broker {

struct PlainHead {
  static constexpr std::size_t kMaxFields = 64;
  static constexpr std::size_t kMaxFramingBytes = 2048;

  struct Field {  // offsets in lines()
    std::uint32_t name_at;
    std::uint32_t name_size;
    std::uint32_t value_at;  // leading and trailing spaces and tabs trimmed, as Beast does
    std::uint32_t value_size;
  };

  std::size_t size = 0;       // the start line to the end of the blank line
  std::size_t fields_at = 0;  // where the first field's line begins (the start line's end)
  std::size_t field_count = 0;
  std::array<Field, kMaxFields> fields;
  // The start line, the framing fields as they came, and the blank line.
  std::array<char, kMaxFramingBytes> framing;
  std::size_t framing_size = 0;

  std::string_view framing_head() const { return {framing.data(), framing_size}; }
  // The field lines of the head in `bytes` (the one scanned), line ends included, without the
  // blank line.
  std::string_view lines(std::string_view bytes) const { return bytes.substr(fields_at, size - 2 - fields_at); }
};

// The plain start lines: a request line ending in " HTTP/d.d", a status line beginning with
// "HTTP/d.d ddd ". Beast reads the version's 8 bytes (and a status's 4) before it looks at
// them; in these shapes every such read lies inside the line, so the framing head — where
// other bytes follow the line than in the original — cannot change Beast's verdict.
enum class StartLine { request, status };

// True when `bytes` begins with a whole head of at most `limit` bytes in the plain form
// (filling `head`); false when Beast is to parse it. (Beast bounds the start line and the
// fields each by its header limit, so whatever fits here fits there.)
bool scan_plain_head(std::string_view bytes, std::size_t limit, StartLine start_line, PlainHead& head);

// Where a field value must stop within the 64 bytes at `block`: bit i is set when byte i is a
// control byte other than HTAB, or DEL. value_stops() compares 16 bytes at a time with SSE2
// where the build has it (every x86-64); value_stops_bytewise() is the byte-by-byte look that
// builds without SSE2 use. Both are compiled everywhere, so that a test holds them equal.
std::uint64_t value_stops(const char* block);
std::uint64_t value_stops_bytewise(const char* block);

}  // namespace saferun::broker
