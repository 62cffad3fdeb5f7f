#include "session/default_config.h"

#include "session/config_parser.h"
#include "session/setup_error.h"

namespace saferun::session {
namespace {

// An upstream override from safe-run's own environment, checked with a message that names the
// variable rather than a JSON path the user never wrote.
std::string upstream_from(const EnvLookup& getenv, const char* variable, const char* fallback) {
  const char* value = getenv(variable);
  if (value == nullptr || *value == '\0') return fallback;
  std::string why;
  if (!broker::parse_upstream_url(value, why))
    throw SetupError(std::string("$") + variable + ": " + why +
                     " (it sets the built-in route's upstream)");
  return value;
}

}  // namespace

nlohmann::json default_config_document(const EnvLookup& getenv) {
  using nlohmann::json;
  json anthropic = {
      {"name", "anthropic"},
      {"provider", "anthropic"},
      {"upstream", upstream_from(getenv, "ANTHROPIC_BASE_URL", "https://api.anthropic.com")},
      {"credential", "x-api-key: {secret}"},
      {"secret", {{"env", {"ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN"}}}},
      {"allow",
       {"POST /v1/messages", "POST /v1/messages/count_tokens", "GET /v1/models", "GET /v1/models/*"}},
      {"child_env", {{"ANTHROPIC_BASE_URL", "{base_url}"}, {"ANTHROPIC_API_KEY", "{token}"}}},
  };
  json openai = {
      {"name", "openai"},
      {"base_path", "/openai/v1"},
      {"provider", "openai"},
      {"upstream", upstream_from(getenv, "OPENAI_BASE_URL", "https://api.openai.com/v1")},
      {"credential", "Authorization: Bearer {secret}"},
      {"secret", {{"env", "OPENAI_API_KEY"}}},
      {"allow",
       {"POST /chat/completions", "POST /responses", "POST /embeddings", "GET /models",
        "GET /models/*"}},
      {"child_env", {{"OPENAI_BASE_URL", "{base_url}"}, {"OPENAI_API_KEY", "{token}"}}},
  };
  return {{"routes", {anthropic, openai}}};
}

Config default_config(const EnvLookup& getenv) {
  return parse_config_json(default_config_document(getenv), kBuiltInConfigOrigin);
}

}  // namespace saferun::session
