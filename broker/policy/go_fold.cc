#include "broker/policy/go_fold.h"

namespace saferun::broker::policy {
namespace {

// Writes `key` folded to `out` (room for key.size() bytes: folding never lengthens); returns
// the folded length. The two multi-byte letters are looked for only at their lead bytes.
std::size_t fold_into(std::string_view key, char* out) {
  std::size_t length = 0;
  for (std::size_t i = 0; i < key.size(); ++i) {
    char c = key[i];
    if (c == '\xE2' && key.substr(i, 3) == "\xE2\x84\xAA") {
      c = 'k', i += 2;
    } else if (c == '\xC5' && key.substr(i, 2) == "\xC5\xBF") {
      c = 's', i += 1;
    } else if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c + ('a' - 'A'));
    }
    out[length++] = c;
  }
  return length;
}

}  // namespace

std::string_view go_folded(std::string_view key, std::array<char, kMaxFoldedKey>& storage) {
  return {storage.data(), fold_into(key.substr(0, storage.size()), storage.data())};
}

}  // namespace saferun::broker::policy
