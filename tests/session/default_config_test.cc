#include "session/default_config.h"

#include <catch2/catch.hpp>
#include <map>

#include "session/setup_error.h"

using namespace saferun::session;

namespace {

EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

}  // namespace

TEST_CASE("the built-in config has anthropic, openai, gemini and openrouter routes", "[default_config]") {
  auto config = default_config(env_of({}));
  REQUIRE(config.routes.size() == 4);
  const auto& anthropic = config.routes[0];
  CHECK(anthropic.route.upstream.origin() == "https://api.anthropic.com");
  CHECK(anthropic.route.credential.name == "x-api-key");
  CHECK(anthropic.secret.env_names == std::vector<std::string>{"ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN"});
  CHECK(anthropic.route.allow.size() == 4);
  const auto& openai = config.routes[1];
  CHECK(openai.route.base_path == "/openai/v1");
  CHECK(openai.route.upstream.url_for("") == "https://api.openai.com/v1");
  CHECK(openai.route.credential.prefix == "Bearer ");
  CHECK(openai.route.allow.size() == 6);
  CHECK(saferun::broker::find_allowing_rule(openai.route.allow, "WS", "/responses") != nullptr);
  CHECK(saferun::broker::find_allowing_rule(openai.route.allow, "GET", "/responses") == nullptr);
  const auto& gemini = config.routes[2];
  CHECK(gemini.route.upstream.origin() == "https://generativelanguage.googleapis.com");
  CHECK(gemini.route.credential.name == "x-goog-api-key");
  CHECK(gemini.secret.env_names == std::vector<std::string>{"GEMINI_API_KEY", "GOOGLE_API_KEY"});
  for (const char* path : {"/v1beta/models/gemini-2.5-pro:streamGenerateContent", "/v1beta/models/m:generateContent",
                           "/v1beta/models/m:countTokens", "/v1/models/m:generateContent"}) {
    INFO(path);
    CHECK(saferun::broker::find_allowing_rule(gemini.route.allow, "POST", path) != nullptr);
  }
  CHECK(saferun::broker::find_allowing_rule(gemini.route.allow, "GET", "/v1beta/models") != nullptr);
  CHECK(saferun::broker::find_allowing_rule(gemini.route.allow, "POST", "/v1beta/models/m:embedContent") == nullptr);
  CHECK(saferun::broker::find_allowing_rule(gemini.route.allow, "POST", "/v1beta/files") == nullptr);
  const auto& openrouter = config.routes[3];
  CHECK(openrouter.route.base_path == "/openrouter/api/v1");
  CHECK(openrouter.route.upstream.url_for("/chat/completions") == "https://openrouter.ai/api/v1/chat/completions");
  CHECK(openrouter.secret.env_names == std::vector<std::string>{"OPENROUTER_API_KEY"});
}

TEST_CASE("the built-in upstreams follow safe-run's own base URL variables", "[default_config]") {
  auto config = default_config(env_of({{"ANTHROPIC_BASE_URL", "http://127.0.0.1:9000/proxy"},
                                       {"OPENAI_BASE_URL", "https://gateway.example/v1"}}));
  CHECK(config.routes[0].route.upstream.url_for("/v1/messages") == "http://127.0.0.1:9000/proxy/v1/messages");
  CHECK(config.routes[1].route.upstream.origin() == "https://gateway.example");
}

TEST_CASE("a bad base URL variable is named in the error", "[default_config]") {
  CHECK_THROWS_WITH(default_config(env_of({{"ANTHROPIC_BASE_URL", "api.example"}})),
                    Catch::StartsWith("$ANTHROPIC_BASE_URL: expected an https:// URL"));
  CHECK_THROWS_WITH(default_config(env_of({{"OPENAI_BASE_URL", "http://gateway.example"}})),
                    Catch::Contains("http:// is only allowed for loopback hosts"));
}
