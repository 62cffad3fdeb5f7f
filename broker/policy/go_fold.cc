#include "broker/policy/go_fold.h"

namespace saferun::broker::policy {

std::string go_folded(std::string_view key) {
  std::string folded;
  for (std::size_t i = 0; i < key.size(); ++i) {
    if (key.substr(i, 3) == "\xE2\x84\xAA") {
      folded += 'k', i += 2;
    } else if (key.substr(i, 2) == "\xC5\xBF") {
      folded += 's', i += 1;
    } else {
      folded += static_cast<char>(key[i] >= 'A' && key[i] <= 'Z' ? key[i] + ('a' - 'A') : key[i]);
    }
  }
  return folded;
}

}  // namespace saferun::broker::policy
