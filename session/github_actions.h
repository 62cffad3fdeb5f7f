#pragma once
// GitHub Actions integration: under GITHUB_ACTIONS=true the runner is told to mask the
// session token before the child starts, so it cannot show up in the job log even if the
// child prints its environment.

#include <optional>
#include <string>
#include <string_view>

namespace saferun::session {

// "::add-mask::<token>" when `github_actions` is "true", else nothing.
std::optional<std::string> github_mask_command(const char* github_actions, std::string_view token);

}  // namespace saferun::session
