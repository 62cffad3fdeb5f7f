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
       {"POST /chat/completions", "POST /responses", "WS /responses", "POST /embeddings", "GET /models",
        "GET /models/*"}},
      {"child_env", {{"OPENAI_BASE_URL", "{base_url}"}, {"OPENAI_API_KEY", "{token}"}}},
  };
  // Gemini CLI and Google's SDKs: the model is in the path (models/M:generateContent), so
  // the rules name the method after the colon. v1 and v1beta both.
  json gemini_allow = json::array();
  for (const char* version : {"/v1beta", "/v1"}) {
    for (const char* rule : {"POST %s/models/*:generateContent", "POST %s/models/*:streamGenerateContent",
                             "POST %s/models/*:countTokens", "GET %s/models", "GET %s/models/*"}) {
      std::string text = rule;
      text.replace(text.find("%s"), 2, version);
      gemini_allow.push_back(text);
    }
  }
  json gemini = {
      {"name", "gemini"},
      {"provider", "gemini"},
      {"upstream",
       upstream_from(getenv, "GOOGLE_GEMINI_BASE_URL", "https://generativelanguage.googleapis.com")},
      {"credential", "x-goog-api-key: {secret}"},
      {"secret", {{"env", {"GEMINI_API_KEY", "GOOGLE_API_KEY"}}}},
      {"allow", gemini_allow},
      {"child_env", {{"GOOGLE_GEMINI_BASE_URL", "{base_url}"}, {"GEMINI_API_KEY", "{token}"}}},
  };
  // OpenRouter's OpenAI-compatible API lives under /api/v1; the broker path keeps that shape.
  json openrouter = {
      {"name", "openrouter"},
      {"base_path", "/openrouter/api/v1"},
      {"provider", "openai"},
      {"upstream", upstream_from(getenv, "OPENROUTER_BASE_URL", "https://openrouter.ai/api/v1")},
      {"credential", "Authorization: Bearer {secret}"},
      {"secret", {{"env", "OPENROUTER_API_KEY"}}},
      {"allow",
       {"POST /chat/completions", "POST /completions", "POST /responses", "POST /embeddings", "GET /models",
        "GET /models/*"}},
      {"child_env", {{"OPENROUTER_BASE_URL", "{base_url}"}, {"OPENROUTER_API_KEY", "{token}"}}},
  };
  return {{"routes", {anthropic, openai, gemini, openrouter}}};
}

Config default_config(const EnvLookup& getenv) {
  return parse_config_json(default_config_document(getenv), kBuiltInConfigOrigin);
}

}  // namespace saferun::session
