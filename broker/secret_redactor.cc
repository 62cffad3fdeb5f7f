#include "broker/secret_redactor.h"

#include <algorithm>

namespace saferun::broker {

SecretRedactor::SecretRedactor(std::vector<std::string_view> secrets) {
  for (auto secret : secrets)
    if (!secret.empty()) secrets_.push_back(secret);
}

void SecretRedactor::mask(std::string& text) const {
  for (auto secret : secrets_) {
    for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + secret.size()))
      std::fill_n(text.begin() + static_cast<std::ptrdiff_t>(at), secret.size(), '*');
  }
}

// The longest tail of `text` that is a proper prefix of some secret.
std::size_t SecretRedactor::held_back_length(std::string_view text) const {
  std::size_t longest = 0;
  for (auto secret : secrets_) {
    auto most = std::min(text.size(), secret.size() - 1);
    for (std::size_t n = most; n > longest; --n) {
      if (text.substr(text.size() - n) == secret.substr(0, n)) {
        longest = n;
        break;
      }
    }
  }
  return longest;
}

void SecretRedactor::push(std::string_view chunk, std::string& out) {
  if (secrets_.empty()) {
    out.append(chunk);
    return;
  }
  carry_.append(chunk);
  mask(carry_);
  auto keep = held_back_length(carry_);
  out.append(carry_, 0, carry_.size() - keep);
  carry_.erase(0, carry_.size() - keep);
}

void SecretRedactor::finish(std::string& out) {
  out.append(carry_);
  carry_.clear();
}

std::string SecretRedactor::redact(std::string_view value) const {
  std::string text(value);
  mask(text);
  return text;
}

}  // namespace saferun::broker
