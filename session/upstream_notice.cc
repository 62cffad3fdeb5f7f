#include "session/upstream_notice.h"

#include <algorithm>
#include <string_view>

#include "session/default_config.h"

namespace saferun::session {
namespace {

constexpr std::string_view kOfficialUpstreams[] = {
    "https://api.anthropic.com",
    "https://api.anthropic.com/v1",
    "https://api.openai.com",
    "https://api.openai.com/v1",
    "https://generativelanguage.googleapis.com",
    "https://generativelanguage.googleapis.com/v1beta",
    "https://openrouter.ai/api/v1",
};

// The variable that overrides a built-in route's upstream (see default_config.cc).
std::string built_in_variable(const std::string& route) {
  if (route == "anthropic") return "$ANTHROPIC_BASE_URL";
  if (route == "openai") return "$OPENAI_BASE_URL";
  if (route == "gemini") return "$GOOGLE_GEMINI_BASE_URL";
  if (route == "openrouter") return "$OPENROUTER_BASE_URL";
  return "the environment";
}

}  // namespace

std::vector<std::string> upstream_notices(const Config& config) {
  std::vector<std::string> lines;
  const bool built_in = config.origin == kBuiltInConfigOrigin;
  for (const auto& route_config : config.routes) {
    const auto& route = route_config.route;
    auto url = route.upstream.origin() + route.upstream.base_path;
    if (std::find(std::begin(kOfficialUpstreams), std::end(kOfficialUpstreams), url) != std::end(kOfficialUpstreams))
      continue;
    auto source = built_in ? built_in_variable(route.name) : config.origin;
    lines.push_back("route '" + route.name + "' sends its key to " + url + " (set by " + source + ")");
  }
  return lines;
}

}  // namespace saferun::session
