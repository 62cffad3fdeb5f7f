#include "broker/caller_token.h"

#include <openssl/crypto.h>

#include <cctype>

#include "broker/secret.h"

namespace saferun::broker {
namespace {

std::optional<std::string_view> bearer_value(std::string_view authorization) {
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size()) return std::nullopt;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != kScheme[i])
      return std::nullopt;
  }
  auto value = authorization.substr(kScheme.size());
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  return value;
}

}  // namespace

bool token_equals(std::string_view presented, std::string_view expected) {
  if (presented.size() != expected.size() || expected.empty()) return false;
  return CRYPTO_memcmp(presented.data(), expected.data(), expected.size()) == 0;
}

TokenVerdict check_caller_token(const PresentedCredentials& presented, const Secret& token) {
  bool any = false;
  if (presented.x_api_key) {
    any = true;
    if (token_equals(*presented.x_api_key, token.reveal())) return TokenVerdict::accepted;
  }
  if (presented.authorization) {
    any = true;
    auto value = bearer_value(*presented.authorization);
    if (value && token_equals(*value, token.reveal())) return TokenVerdict::accepted;
  }
  return any ? TokenVerdict::rejected : TokenVerdict::missing;
}

}  // namespace saferun::broker
