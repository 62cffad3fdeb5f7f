#include "broker/byte_words.h"

#include <catch2/catch.hpp>
#include <bit>
#include <random>

using namespace saferun::broker::byte_words;

namespace {

std::uint64_t word_of(const unsigned char (&bytes)[8]) { return load(reinterpret_cast<const char*>(bytes)); }

}  // namespace

TEST_CASE("eight-byte tests answer as a byte-by-byte test does", "[byte_words]") {
  std::mt19937_64 random(7);
  for (int round = 0; round < 200000; ++round) {
    unsigned char bytes[8];
    // Mostly bytes near the bounds tested below, so that every neighbour case comes up.
    for (auto& byte : bytes) {
      const unsigned char near[] = {0, 1, 0x1f, 0x20, 0x21, '"', '\\', 'a', 0x7e, 0x7f, 0x80, 0xff};
      byte = random() % 3 == 0 ? static_cast<unsigned char>(random()) : near[random() % sizeof near];
    }
    auto word = word_of(bytes);
    bool below = false, above = false;
    int first_quote = -1;
    for (int k = 0; k < 8; ++k) {
      below = below || bytes[k] < 0x20;
      above = above || bytes[k] > 0x7e;
      if (first_quote < 0 && bytes[k] == '"') first_quote = k;
    }
    INFO("round " << round);
    CHECK(any_below(word, 0x20) == below);
    CHECK(any_above(word, 0x7e) == above);
    auto quotes = byte_flags(word, '"');
    CHECK((quotes != 0) == (first_quote >= 0));
    if (quotes != 0 && std::endian::native == std::endian::little) CHECK(std::countr_zero(quotes) / 8 == first_quote);
  }
}
