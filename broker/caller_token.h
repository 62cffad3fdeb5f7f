#pragma once
// Checks the caller token a client presents. Clients put their "API key" in either
// `x-api-key` or `Authorization: Bearer` (Claude Code sends both when both are set), so
// either header may carry it — and `Authorization: token` (GitHub's scheme) for generic
// routes, and `x-goog-api-key` (Gemini's clients, which never send the others). Any other header is not looked at. The comparison is constant-time.

#include <optional>
#include <string_view>

namespace saferun::broker {

class Secret;

enum class TokenVerdict { accepted, missing, rejected };

struct PresentedCredentials {
  std::optional<std::string_view> x_api_key;
  std::optional<std::string_view> authorization;
  std::optional<std::string_view> x_goog_api_key;
};

TokenVerdict check_caller_token(const PresentedCredentials& presented, const Secret& token);

// Constant-time for equal lengths; a length mismatch is refused without comparing.
bool token_equals(std::string_view presented, std::string_view expected);

}  // namespace saferun::broker
