#pragma once
// A live session whose openai route points at the TLS WebSocket fake upstream, with the
// built-in routes, or a config (`allow` rules, `limits`) and optionally a session `policy`
// (then gpt-test is priced at 1 USD per million tokens of every kind, as in policy_session.h,
// so a cost is a token count, and the session writes --summary-json).

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/e2e/policy_session.h"
#include "tests/e2e/safe_run.h"
#include "tests/support/fake_ws_upstream.h"
#include "tests/support/ws_client.h"

namespace saferun::test {

struct WsSession {
  explicit WsSession(const std::string& allow = "", const std::string& limits = "{}", const std::string& policy = "",
                     std::vector<std::string> options = {})
      : certificates(make_test_certificates(files.path())), upstream(certificates) {
    if (!allow.empty()) {
      options.insert(options.begin(), {"--config", files.write("ws-config.json", config_text(allow, limits, policy))});
    }
    if (!policy.empty()) {
      summary_path = files.path() + "/summary.json";
      options.insert(options.begin(), {"--summary-json", summary_path});
    }
    session = std::make_unique<LiveSession>(
        options, base_env({"OPENAI_BASE_URL=" + upstream.origin() + "/v1", "OPENAI_API_KEY=" + key,
                           "SSL_CERT_FILE=" + certificates.ca_file}));
  }

  std::string config_text(const std::string& allow, const std::string& limits, const std::string& policy) const {
    std::string text = R"({"routes": [{"name": "openai", "base_path": "/openai/v1",
        "provider": "openai", "upstream": ")" + upstream.origin() + R"(/v1",
        "credential": "Authorization: Bearer {secret}", "secret": {"env": "OPENAI_API_KEY"},
        "allow": )" + allow + R"(}], "limits": )" + limits;
    if (!policy.empty()) {
      auto rules = nlohmann::json::parse(policy);
      rules["prices"]["gpt-test"] = {{"input", 1},      {"output", 1},
                                     {"cache_write", 1}, {"cache_read", 1},
                                     {"web_search_per_1000", 10}};
      text += ", \"policy\": " + rules.dump();
    }
    return text + "}";
  }

  Headers auth() const { return {{"Authorization", "Bearer " + session->token()}}; }
  std::unique_ptr<WsClient> connect(const std::string& path = "/openai/v1/responses") const {
    return std::make_unique<WsClient>(session->port(), path, auth());
  }
  // A relay on the openai route, or the test stops.
  std::unique_ptr<WsClient> open_client() const {
    REQUIRE(session->ready());
    auto client = connect();
    REQUIRE(client->open());
    return client;
  }
  std::string audit() const { return read_audit_log(session->session_dir() + "/events.jsonl"); }
  nlohmann::json status() const { return status_of(*session, auth()); }
  // Ends the session and returns its --summary-json (a policy session only).
  nlohmann::json end_with_summary() { return end_with_summary_of(*session, summary_path, result); }

  TempDir files;
  TestCertificates certificates;
  FakeWsUpstream upstream;
  std::string key = fake_key("sk-proj-ws-");
  std::string summary_path;
  std::unique_ptr<LiveSession> session;
  ProcessResult result;
};

}  // namespace saferun::test
