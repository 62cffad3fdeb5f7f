#include "session/github_actions.h"

namespace saferun::session {

std::optional<std::string> github_mask_command(const char* github_actions, std::string_view token) {
  if (github_actions == nullptr || std::string_view(github_actions) != "true") return std::nullopt;
  return "::add-mask::" + std::string(token);
}

}  // namespace saferun::session
