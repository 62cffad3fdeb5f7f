#include "broker/plain_head.h"

#include <algorithm>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "broker/ascii.h"

namespace saferun::broker {
namespace {

// RFC 9110 tchar, as Beast's field-name table has it.
constexpr std::array<bool, 256> kTokenChar = [] {
  std::array<bool, 256> table{};
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) table[static_cast<unsigned char>(c)] = true;
  for (int c = '0'; c <= '9'; ++c) table[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) table[c] = table[c - 'a' + 'A'] = true;
  return table;
}();

// The fields whose values Beast's parser acts on (basic_parser::do_field); lower case.
constexpr std::array<std::string_view, 5> kFramingNames = {"content-length", "transfer-encoding", "connection",
                                                           "proxy-connection", "upgrade"};

// Bytes that end a field value: Beast takes HTAB, 0x20-0x7e and obs-text (0x80-0xff) in one,
// so every other control byte and DEL; the line's CR is the first of them on a plain line.
bool is_value_stop(unsigned char c) { return (c < 0x20 && c != '\t') || c == 0x7f; }

// Where value-stop bytes are in bytes_[0, size), in blocks of 64 bytes (value_stops()), each
// block computed when first asked for. Past `size` nothing stops.
class StopBits {
 public:
  static constexpr std::size_t kBlock = 64;

  StopBits(const char* data, std::size_t size) : data_(data), size_(size) {}

  // The first stop at or after `from`; npos when none is before size.
  std::size_t next(std::size_t from) {
    for (std::size_t block = from / kBlock; block * kBlock < size_; ++block) {
      auto bits = bits_of(block);
      if (block == from / kBlock) bits &= ~std::uint64_t{0} << (from % kBlock);
      if (bits != 0) return block * kBlock + static_cast<std::size_t>(__builtin_ctzll(bits));
    }
    return std::string_view::npos;
  }

 private:
  std::uint64_t bits_of(std::size_t block) {
    if (block != cached_block_) {
      cached_block_ = block;
      cached_bits_ = compute(block * kBlock);
    }
    return cached_bits_;
  }

  std::uint64_t compute(std::size_t at) const {
    if (at + kBlock <= size_) return value_stops(data_ + at);
    std::array<char, kBlock> tail;  // the last, partial block, padded with bytes that do not stop
    tail.fill('a');
    std::memcpy(tail.data(), data_ + at, size_ - at);
    return value_stops(tail.data());
  }

  const char* data_;
  std::size_t size_;
  std::size_t cached_block_ = std::string_view::npos;
  std::uint64_t cached_bits_ = 0;
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// "HTTP/d.d" at the start of `text`.
bool is_version(std::string_view text) {
  return text.size() >= 8 && text.substr(0, 5) == "HTTP/" && is_digit(text[5]) && text[6] == '.' && is_digit(text[7]);
}

// No control byte or DEL (a line_end() stop would have ended it; a tab would not), and the
// plain shape of its kind.
bool start_line_ok(std::string_view line, StartLine kind) {
  if (std::any_of(line.begin(), line.end(), [](char c) { return c == '\t'; })) return false;
  if (kind == StartLine::request) return line.size() >= 9 && line[line.size() - 9] == ' ' && is_version(line.substr(line.size() - 8));
  return line.size() >= 13 && is_version(line) && line[8] == ' ' && is_digit(line[9]) && is_digit(line[10]) &&
         is_digit(line[11]) && line[12] == ' ';
}

bool is_framing_name(std::string_view name) {
  return std::any_of(kFramingNames.begin(), kFramingNames.end(), [&](std::string_view framing) {
    return name.size() == framing.size() && starts_with_ci(name, framing);
  });
}

bool is_blank(char c) { return c == ' ' || c == '\t'; }

class Scan {
 public:
  Scan(std::string_view bytes, std::size_t limit, StartLine start_line, PlainHead& head)
      : bytes_(bytes.substr(0, std::min(bytes.size(), limit))),
        start_line_(start_line),
        stops_(bytes_.data(), bytes_.size()),
        head_(head) {}

  // Line by line to the blank line, which must end within the limit.
  bool run() {
    head_.field_count = 0;
    head_.framing_size = 0;
    auto end = line_end(0);
    if (end == std::string_view::npos || !take_start_line(end)) return false;
    std::size_t at = end + 2;
    head_.fields_at = at;
    for (;; at = end + 2) {
      end = line_end(at);
      if (end == std::string_view::npos) return false;
      if (end == at) break;  // the blank line
      if (!take_field(at, end)) return false;
    }
    head_.size = at + 2;
    return append_framing("\r\n");
  }

 private:
  // The CR ending the line that starts at `at`: the line's first stop byte, with a LF after it
  // within the limit; npos when the line has any other stop byte, or none yet.
  std::size_t line_end(std::size_t at) {
    const auto end = stops_.next(at);
    if (end == std::string_view::npos || bytes_[end] != '\r' || end + 1 >= bytes_.size() || bytes_[end + 1] != '\n')
      return std::string_view::npos;
    return end;
  }

  bool take_start_line(std::size_t end) {
    return start_line_ok(bytes_.substr(0, end), start_line_) && append_framing(bytes_.substr(0, end + 2));
  }

  // The line [at, end), which holds no stop byte: a token, a colon, a value. The token's loop
  // needs no bound: the CR at `end` is not a tchar.
  bool take_field(std::size_t at, std::size_t end) {
    if (head_.field_count == PlainHead::kMaxFields) return false;
    std::size_t colon = at;
    while (kTokenChar[static_cast<unsigned char>(bytes_[colon])]) ++colon;
    if (colon == at || bytes_[colon] != ':') return false;
    std::size_t value_at = colon + 1;
    std::size_t value_end = end;
    while (value_at < value_end && is_blank(bytes_[value_at])) ++value_at;
    while (value_end > value_at && is_blank(bytes_[value_end - 1])) --value_end;
    const auto base = head_.fields_at;
    head_.fields[head_.field_count++] = {static_cast<std::uint32_t>(at - base), static_cast<std::uint32_t>(colon - at),
                                         static_cast<std::uint32_t>(value_at - base),
                                         static_cast<std::uint32_t>(value_end - value_at)};
    return !is_framing_name(bytes_.substr(at, colon - at)) || append_framing(bytes_.substr(at, end + 2 - at));
  }

  bool append_framing(std::string_view text) {
    if (head_.framing_size + text.size() > head_.framing.size()) return false;
    std::memcpy(head_.framing.data() + head_.framing_size, text.data(), text.size());
    head_.framing_size += text.size();
    return true;
  }

  std::string_view bytes_;  // up to the limit: a head not whole within it is not taken here
  StartLine start_line_;
  StopBits stops_;
  PlainHead& head_;
};

}  // namespace

std::uint64_t value_stops_bytewise(const char* block) {
  std::uint64_t bits = 0;
  for (std::size_t i = 0; i < 64; ++i) bits |= std::uint64_t{is_value_stop(static_cast<unsigned char>(block[i]))} << i;
  return bits;
}

std::uint64_t value_stops(const char* block) {
#if defined(__SSE2__)
  const __m128i below_space = _mm_set1_epi8(0x1f);
  const __m128i tab = _mm_set1_epi8('\t');
  const __m128i del = _mm_set1_epi8(0x7f);
  std::uint64_t bits = 0;
  for (std::size_t i = 0; i < 64; i += 16) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + i));
    const __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(bytes, below_space), bytes);  // <= 0x1f, unsigned
    const __m128i stop = _mm_or_si128(_mm_andnot_si128(_mm_cmpeq_epi8(bytes, tab), control), _mm_cmpeq_epi8(bytes, del));
    bits |= static_cast<std::uint64_t>(static_cast<std::uint16_t>(_mm_movemask_epi8(stop))) << i;
  }
  return bits;
#else
  return value_stops_bytewise(block);
#endif
}

bool scan_plain_head(std::string_view bytes, std::size_t limit, StartLine start_line, PlainHead& head) {
  return Scan(bytes, limit, start_line, head).run();
}

}  // namespace saferun::broker
