#include "broker/caller_token.h"

#include <openssl/crypto.h>

#include "broker/ascii.h"
#include "broker/secret.h"

namespace saferun::broker {
namespace {

// The credential of "Bearer <token>" or "token <token>" (GitHub's scheme, for generic routes).
std::optional<std::string_view> credential_value(std::string_view authorization) {
  std::string_view value;
  if (starts_with_ci(authorization, "bearer ")) {
    value = authorization.substr(7);
  } else if (starts_with_ci(authorization, "token ")) {
    value = authorization.substr(6);
  } else {
    return std::nullopt;
  }
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
  if (presented.x_goog_api_key) {
    any = true;
    if (token_equals(*presented.x_goog_api_key, token.reveal())) return TokenVerdict::accepted;
  }
  if (presented.authorization) {
    any = true;
    auto value = credential_value(*presented.authorization);
    if (value && token_equals(*value, token.reveal())) return TokenVerdict::accepted;
  }
  return any ? TokenVerdict::rejected : TokenVerdict::missing;
}

}  // namespace saferun::broker
