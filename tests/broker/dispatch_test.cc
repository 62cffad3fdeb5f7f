#include "broker/dispatch.h"

#include <catch2/catch.hpp>

using namespace saferun::broker;

namespace {

ActiveRoute make_route(std::string name, std::string base_path, std::string upstream,
                       std::vector<std::string> allow, Provider provider) {
  ActiveRoute active;
  active.route.name = std::move(name);
  active.route.base_path = std::move(base_path);
  std::string why;
  active.route.upstream = *parse_upstream_url(upstream, why);
  active.route.provider = provider;
  for (const auto& text : allow) active.route.allow.push_back(*parse_allow_rule(text, why));
  return active;
}

struct Fixture {
  Fixture() {
    routes.push_back(make_route("anthropic", "/anthropic", "https://api.anthropic.com",
                                {"POST /v1/messages", "GET /v1/models/*"}, Provider::anthropic));
    routes.push_back(make_route("openai", "/openai/v1", "https://api.openai.com/v1",
                                {"POST /chat/completions"}, Provider::openai));
  }
  Dispatch send(std::string_view method, std::string_view target, bool with_token = true) {
    RequestHead head{method, target, {}};
    if (with_token) head.credentials.x_api_key = "srt_token";
    return dispatch_request(head, routes, token);
  }
  std::vector<ActiveRoute> routes;
  Secret token{"srt_token"};
};

}  // namespace

TEST_CASE("an allowed request forwards to the route's upstream path with its query", "[dispatch]") {
  Fixture f;
  auto d = f.send("POST", "/anthropic/v1/messages?beta=true");
  CHECK(d.action == Action::forward);
  CHECK(d.route == &f.routes[0]);
  CHECK(d.upstream_target == "/v1/messages?beta=true");
  CHECK(d.rule == "POST /v1/messages");
  CHECK(d.path == "/anthropic/v1/messages");
}

TEST_CASE("a route with a base path maps onto the upstream's base path", "[dispatch]") {
  Fixture f;
  auto d = f.send("POST", "/openai/v1/chat/completions");
  CHECK(d.action == Action::forward);
  CHECK(d.upstream_target == "/v1/chat/completions");
}

TEST_CASE("a request without the token is refused 401 in the route's shape", "[dispatch]") {
  Fixture f;
  auto d = f.send("POST", "/openai/v1/chat/completions", false);
  CHECK(d.action == Action::refuse);
  CHECK(d.status == 401);
  CHECK(d.provider == Provider::openai);
  CHECK(d.decision == "denied_auth");
}

TEST_CASE("the token is checked before routes are revealed", "[dispatch]") {
  Fixture f;
  CHECK(f.send("GET", "/nowhere/x", false).status == 401);
  CHECK(f.send("GET", "/nowhere/x").status == 404);
}

TEST_CASE("a path no rule allows is refused 403 naming the route", "[dispatch]") {
  Fixture f;
  auto d = f.send("GET", "/anthropic/v1/files");
  CHECK(d.status == 403);
  CHECK(d.reason.find("anthropic") != std::string::npos);
  CHECK(d.reason.find("GET /v1/files") != std::string::npos);
  CHECK(f.send("GET", "/anthropic/v1/messages").status == 403);
}

TEST_CASE("HEAD of the root or a route base is an unauthenticated preflight", "[dispatch]") {
  Fixture f;
  CHECK(f.send("HEAD", "/", false).action == Action::preflight);
  CHECK(f.send("HEAD", "/anthropic", false).action == Action::preflight);
  CHECK(f.send("HEAD", "/openai/v1/", false).action == Action::preflight);
  CHECK(f.send("HEAD", "/anthropic/v1/messages", false).status == 401);
}

TEST_CASE("the status endpoint needs the token and GET", "[dispatch]") {
  Fixture f;
  CHECK(f.send("GET", "/_safe-run/status").action == Action::status);
  CHECK(f.send("GET", "/_safe-run/status", false).status == 401);
  CHECK(f.send("POST", "/_safe-run/status").status == 405);
}

TEST_CASE("traversal out of a route is a 400, never another route", "[dispatch]") {
  Fixture f;
  auto d = f.send("POST", "/anthropic/../openai/v1/chat/completions");
  CHECK(d.status == 400);
  CHECK(f.send("GET", "http://evil.example/anthropic/v1/models/x").status == 400);
}

TEST_CASE("route prefixes match whole segments only", "[dispatch]") {
  Fixture f;
  CHECK(f.send("POST", "/anthropicx/v1/messages").status == 404);
  CHECK(find_route(f.routes, "/openai/v2/x") == nullptr);
}

TEST_CASE("the decoded path is what the policy, the 404 and the 403 read; the raw one goes upstream", "[dispatch]") {
  Fixture f;
  auto forwarded = f.send("GET", "/anthropic/v1/models/claude%2Dx-long-enough-to-leave-the-string?q=1");
  CHECK(forwarded.action == Action::forward);
  CHECK(forwarded.policy_path == "/anthropic/v1/models/claude-x-long-enough-to-leave-the-string");
  CHECK(forwarded.path == "/anthropic/v1/models/claude%2Dx-long-enough-to-leave-the-string");
  CHECK(forwarded.upstream_target == "/v1/models/claude%2Dx-long-enough-to-leave-the-string?q=1");
  auto no_route = f.send("GET", "/nowhere%2Dat-all");
  CHECK(no_route.status == 404);
  CHECK(no_route.policy_path == "/nowhere-at-all");
  CHECK(no_route.reason == "no route serves /nowhere-at-all");
  auto denied = f.send("GET", "/anthropic/v1/m%6Fdels");
  CHECK(denied.status == 403);
  CHECK(denied.reason == "route 'anthropic' does not allow GET /v1/models (no rule in its allowlist matches)");
}
