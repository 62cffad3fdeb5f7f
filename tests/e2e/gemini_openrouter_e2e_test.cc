// The built-in gemini and openrouter routes against the TLS fake upstream: each attaches its
// key the provider's way, accepts the token where that provider's clients send it, and
// refuses what its allowlist does not name.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/e2e/safe_run.h"
#include "tests/support/fake_upstream.h"
#include "tests/support/raw_http.h"
#include "tests/support/test_ca.h"

using namespace saferun::test;
using nlohmann::json;

namespace {

struct RoutesSession {
  RoutesSession()
      : certificates(make_test_certificates(files.path())),
        upstream(certificates),
        session({}, base_env({"GEMINI_API_KEY=" + gemini_key, "OPENROUTER_API_KEY=" + openrouter_key,
                              "GOOGLE_GEMINI_BASE_URL=" + upstream.origin() + "/gemini",
                              "OPENROUTER_BASE_URL=" + upstream.origin() + "/openai/api/v1",
                              "SSL_CERT_FILE=" + certificates.ca_file})) {}

  TempDir files;
  TestCertificates certificates;
  FakeUpstream upstream;
  std::string gemini_key = fake_key("AIza-");
  std::string openrouter_key = fake_key("sk-or-v1-");
  LiveSession session;
};

}  // namespace

TEST_CASE("the gemini route streams generateContent with the key in x-goog-api-key, never the token",
          "[e2e][routes]") {
  RoutesSession routes;
  REQUIRE(routes.session.ready());
  auto response = http_request(routes.session.port(), "POST",
                               "/gemini/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
                               {{"x-goog-api-key", routes.session.token()}, {"content-type", "application/json"}}, "{}");
  REQUIRE(response.status == 200);
  CHECK(contains(response.body, "data: {\"candidates\""));
  auto requests = routes.upstream.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].target == "/gemini/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
  CHECK(same_secret(requests[0].header("x-goog-api-key"), routes.gemini_key));
  CHECK_FALSE(routes.upstream.received_bytes(routes.session.token()));
}

TEST_CASE("the gemini route answers a bad token in Google's error shape and refuses other methods",
          "[e2e][routes]") {
  RoutesSession routes;
  REQUIRE(routes.session.ready());
  auto bad = http_request(routes.session.port(), "POST", "/gemini/v1beta/models/m:generateContent",
                          {{"x-goog-api-key", "srt_" + std::string(64, '0')}}, "{}");
  CHECK(bad.status == 401);
  CHECK(json::parse(bad.body)["error"]["status"] == "UNAUTHENTICATED");
  auto off_list = http_request(routes.session.port(), "POST", "/gemini/v1beta/models/m:embedContent",
                               {{"x-goog-api-key", routes.session.token()}}, "{}");
  CHECK(off_list.status == 403);
  auto allowed = http_request(routes.session.port(), "POST", "/gemini/v1beta/models/m:countTokens",
                              {{"x-goog-api-key", routes.session.token()}}, "{}");
  CHECK(allowed.status == 200);  // the control: the same route, a method its allowlist names
  CHECK(routes.upstream.requests().size() == 1);
}

TEST_CASE("the openrouter route keeps its /api/v1 prefix and attaches its key as a Bearer", "[e2e][routes]") {
  RoutesSession routes;
  REQUIRE(routes.session.ready());
  auto response = http_request(routes.session.port(), "POST", "/openrouter/api/v1/chat/completions",
                               {{"Authorization", "Bearer " + routes.session.token()}}, "{}");
  REQUIRE(response.status == 200);
  auto requests = routes.upstream.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].target == "/openai/api/v1/chat/completions");
  CHECK(same_secret(requests[0].header("authorization"), "Bearer " + routes.openrouter_key));
  CHECK_FALSE(routes.upstream.received_bytes(routes.gemini_key));
}

// The attack: Gemini's output limit sits in generationConfig, which the policy did not read, so
// a request asking for 60000 output tokens reserved the assumed 4096 and fitted a budget that
// cannot pay for it. Control: one whose limit fits is forwarded as sent.
TEST_CASE("a Gemini request's maxOutputTokens is reserved against the budget", "[e2e][routes][policy]") {
  TempDir files;
  auto certificates = make_test_certificates(files.path());
  FakeUpstream upstream(certificates);
  // $0.05: 4096 output tokens of gemini-2.5-flash ($2.50/MTok) fit, 60000 do not.
  LiveSession session({"--budget-usd", "0.05"},
                      base_env({"GEMINI_API_KEY=" + fake_key("AIza-"), "GOOGLE_GEMINI_BASE_URL=" + upstream.origin() + "/gemini",
                                "SSL_CERT_FILE=" + certificates.ca_file}));
  REQUIRE(session.ready());
  auto generate = [&](const std::string& config) {
    return http_request(session.port(), "POST", "/gemini/v1beta/models/gemini-2.5-flash:generateContent",
                        {{"x-goog-api-key", session.token()}, {"content-type", "application/json"}},
                        R"({"contents":[{"parts":[{"text":"hi"}]}],"generationConfig":)" + config + "}");
  };
  auto attack = generate(R"({"temperature":1,"maxOutputTokens":60000})");
  CHECK(attack.status == 429);
  CHECK(upstream.requests().empty());
  auto control = generate(R"({"maxOutputTokens":10})");
  CHECK(control.status == 200);
  auto requests = upstream.requests();
  REQUIRE(requests.size() == 1);
  CHECK(json::parse(requests[0].body)["generationConfig"]["maxOutputTokens"] == 10);
}
