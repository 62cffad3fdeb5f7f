#include "session/config_parser.h"

#include <catch2/catch.hpp>

#include "session/default_config.h"
#include "session/setup_error.h"

#include <filesystem>
#include <fstream>

using namespace saferun::session;

namespace {

const char* kValid = R"({
  "routes": [
    {"name": "anthropic", "provider": "anthropic", "upstream": "https://api.anthropic.com",
     "credential": "x-api-key: {secret}", "secret": {"env": "ANTHROPIC_API_KEY"},
     "allow": ["POST /v1/messages"],
     "child_env": {"ANTHROPIC_BASE_URL": "{base_url}", "ANTHROPIC_API_KEY": "{token}"}},
    {"name": "gh", "upstream": "https://api.github.com", "base_path": "/github",
     "credential": "Authorization: token {secret}", "secret": {"env": ["GH_TOKEN", "GITHUB_TOKEN"]},
     "allow": ["GET /repos/*/*"]}
  ],
  "pass_env": ["GIT_*"],
  "grace_seconds": 3,
  "limits": {"max_body_bytes": 1024}
})";

std::string error_of(const std::string& text) {
  try {
    parse_config_text(text, "c.json");
  } catch (const SetupError& e) {
    return e.what();
  }
  return "(no error)";
}

// The valid document with one substitution applied.
std::string with(const std::string& from, const std::string& to) {
  std::string text = kValid;
  auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("a valid config parses every field", "[config]") {
  auto config = parse_config_text(kValid, "c.json");
  REQUIRE(config.routes.size() == 2);
  const auto& gh = config.routes[1];
  CHECK(gh.route.base_path == "/github");
  CHECK(gh.route.credential.name == "authorization");
  CHECK(gh.route.credential.prefix == "token ");
  CHECK(gh.secret.env_names == std::vector<std::string>{"GH_TOKEN", "GITHUB_TOKEN"});
  CHECK(gh.route.secret_label == "env:GH_TOKEN");
  CHECK(config.routes[0].route.base_path == "/anthropic");
  CHECK(config.routes[0].child_env.size() == 2);
  CHECK(config.grace == std::chrono::seconds(3));
  CHECK(config.limits.max_body_bytes == 1024);
  CHECK(config.pass_env == std::vector<std::string>{"GIT_*"});
}

TEST_CASE("config errors name the file and the JSON path", "[config]") {
  CHECK(error_of(with("https://api.github.com", "ftp://x")) ==
        "c.json: routes[1].upstream: expected an https:// URL");
  CHECK(error_of(with("\"grace_seconds\"", "\"grace_secs\"")) == "c.json: grace_secs: unknown key");
  CHECK(error_of(with("\"allow\": [\"GET", "\"allowed\": [\"GET")) == "c.json: routes[1].allow: is required");
  CHECK(error_of(with("GET /repos/*/*", "GET repos")) == "c.json: routes[1].allow[0]: path must start with '/'");
  CHECK(error_of(with("{token}", "{tokn}")).starts_with("c.json: routes[0].child_env.ANTHROPIC_API_KEY: unknown placeholder"));
  CHECK(error_of(with("token {secret}", "token")) == "c.json: routes[1].credential: format must contain {secret} exactly once");
  CHECK(error_of(with("\"max_body_bytes\": 1024", "\"max_body_bytes\": -1")) == "c.json: limits.max_body_bytes: expected a positive integer");
  CHECK(error_of(with("\"max_body_bytes\": 1024", "\"max_body_bytes_in_flight\": 0")) ==
        "c.json: limits.max_body_bytes_in_flight: expected a positive integer");
  CHECK(error_of(with("{\"env\": \"ANTHROPIC_API_KEY\"}", "{\"vault\": \"x\"}")) ==
        "c.json: routes[0].secret: expected exactly one of env, file, fd, command");
  CHECK(error_of(with("{\"env\": \"ANTHROPIC_API_KEY\"}", "{\"env\": \"A\", \"vault\": \"x\"}")) ==
        "c.json: routes[0].secret.vault: unknown key");
}

TEST_CASE("plain http upstreams are refused unless loopback", "[config]") {
  CHECK(error_of(with("https://api.github.com", "http://api.github.com")) ==
        "c.json: routes[1].upstream: http:// is only allowed for loopback hosts; use https://");
  CHECK(error_of(with("https://api.github.com", "http://127.0.0.1:9999")) == "(no error)");
}

TEST_CASE("routes must have distinct names, base paths and variables", "[config]") {
  CHECK(error_of(with("\"name\": \"gh\"", "\"name\": \"anthropic\"")).find("duplicate route name") != std::string::npos);
  CHECK(error_of(with("\"/github\"", "\"/anthropic\"")).find("routes[1].base_path") != std::string::npos);
  CHECK(error_of(with("\"/github\"", "\"/_safe-run\"")).find("reserved") != std::string::npos);
}

TEST_CASE("invalid JSON is reported with its position", "[config]") {
  auto error = error_of("{\"routes\": [}");
  CHECK(error.starts_with("c.json: invalid JSON: parse error at line 1"));
  CHECK(error_of("[]") == "c.json: top level: expected an object");
  CHECK(error_of("{\"routes\": []}") == "c.json: routes: expected a non-empty array of routes");
}

TEST_CASE("every example config in configs/ parses", "[config]") {
  int parsed = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(std::string(SAFE_RUN_SOURCE_DIR) + "/configs")) {
    if (entry.path().extension() != ".json" || entry.path().filename() == "prices.json") continue;  // a price table, not a config
    auto path = entry.path().string();
    INFO(path);
    ++parsed;
    std::ifstream in(path);
    REQUIRE(in.good());
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK_NOTHROW(parse_config_text(text, path));
  }
  CHECK(parsed >= 14);
}

TEST_CASE("configs/default.json is the built-in default", "[config]") {
  std::ifstream in(std::string(SAFE_RUN_SOURCE_DIR) + "/configs/default.json");
  auto file = nlohmann::json::parse(in);
  CHECK(file == default_config_document([](const char*) -> const char* { return nullptr; }));
}

TEST_CASE("every secret source kind parses with its label", "[config]") {
  auto source_of = [](const std::string& secret) {
    auto text = with("{\"env\": \"ANTHROPIC_API_KEY\"}", secret);
    return parse_config_text(text, "c.json").routes[0].secret;
  };
  CHECK(source_of(R"({"file": "/k/anthropic.key"})").label() == "file:/k/anthropic.key");
  CHECK(source_of(R"({"fd": 3})").label() == "fd:3");
  auto command = source_of(R"({"command": ["op", "read", "op://a/b/c"], "timeout_seconds": 5})");
  CHECK(command.label() == "command:op");
  CHECK(command.argv.size() == 3);
  CHECK(command.timeout == std::chrono::seconds(5));
}

TEST_CASE("malformed secret sources are refused naming the field", "[config]") {
  auto error_for = [](const std::string& secret) { return error_of(with("{\"env\": \"ANTHROPIC_API_KEY\"}", secret)); };
  CHECK(error_for(R"({"file": "relative.key"})") == "c.json: routes[0].secret.file: expected an absolute path");
  CHECK(error_for(R"({"fd": 1})") == "c.json: routes[0].secret.fd: expected a file descriptor number from 3 to 1024");
  CHECK(error_for(R"({"command": []})").starts_with("c.json: routes[0].secret.command: expected"));
  CHECK(error_for(R"({"env": "A", "timeout_seconds": 3})") ==
        "c.json: routes[0].secret.timeout_seconds: only a command source has a timeout");
  CHECK(error_for(R"({"env": "A", "file": "/k"})") == "c.json: routes[0].secret: expected exactly one of env, file, fd, command");
}
