#include "session/upstream_notice.h"

#include <catch2/catch.hpp>
#include <map>

#include "session/config_parser.h"
#include "session/default_config.h"

using namespace saferun::session;

namespace {

Config built_in(std::map<std::string, std::string> vars) {
  return default_config([vars = std::move(vars)](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  });
}

Config from_file(const std::string& upstream) {
  return parse_config_text(R"({"routes": [{"name": "a", "provider": "anthropic", "upstream": ")" + upstream +
                               R"(", "credential": "x-api-key: {secret}", "secret": {"env": "K"},
                               "allow": ["POST /v1/messages"]}]})",
                           "/home/u/.config/safe-run/config.json");
}

}  // namespace

TEST_CASE("the providers' own upstreams go unmentioned", "[upstream_notice]") {
  CHECK(upstream_notices(built_in({})).empty());
  CHECK(upstream_notices(from_file("https://api.anthropic.com")).empty());
}

TEST_CASE("an upstream from the environment is named with its variable", "[upstream_notice]") {
  auto lines = upstream_notices(built_in({{"OPENAI_BASE_URL", "https://gateway.example/v1"}}));
  CHECK(lines == std::vector<std::string>{
                     "route 'openai' sends its key to https://gateway.example/v1 (set by $OPENAI_BASE_URL)"});
}

TEST_CASE("an upstream from a config file is named with the file", "[upstream_notice]") {
  CHECK(upstream_notices(from_file("https://evil.example:8443/x")) ==
        std::vector<std::string>{"route 'a' sends its key to https://evil.example:8443/x (set by "
                                 "/home/u/.config/safe-run/config.json)"});
}
