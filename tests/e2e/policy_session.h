#pragma once
// A live session whose anthropic and openai routes point at a TLS fake upstream, under a
// policy given as JSON: `session_policy` is the top-level "policy" object, the route policies
// that of each route. The test models claude-test and gpt-test are priced at 1 USD per
// million tokens of every kind (1 micro-USD a token), so costs are token counts; their hosted web
// searches at $10 per 1,000 (10,000 micro-USD a search).

#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/safe_run.h"
#include "tests/support/fake_upstream.h"
#include "tests/support/raw_http.h"
#include "tests/support/test_ca.h"

namespace saferun::test {

struct PolicySessionOptions {
  std::string session_policy = "{}";
  std::string anthropic_policy = "{}";
  std::string openai_policy = "{}";
  std::vector<std::string> safe_run_options;  // before "--"; a --summary-json FILE is added
  std::string store;                          // a "store" object's JSON ("" = none)
  std::vector<std::string> extra_env;         // NAME=value, e.g. the store's password
};

inline PolicySessionOptions policy_options(std::string session_policy, std::string anthropic_policy = "{}",
                                           std::string openai_policy = "{}", std::vector<std::string> options = {}) {
  PolicySessionOptions out;
  out.session_policy = std::move(session_policy);
  out.anthropic_policy = std::move(anthropic_policy);
  out.openai_policy = std::move(openai_policy);
  out.safe_run_options = std::move(options);
  return out;
}

// GET /_safe-run/status, as JSON (discarded when it is not).
inline nlohmann::json status_of(const LiveSession& session, const Headers& auth) {
  auto response = http_request(session.port(), "GET", "/_safe-run/status", auth);
  return nlohmann::json::parse(response.body, nullptr, false);
}

// Ends `session` (its result in `result`) and returns the --summary-json it wrote at `path`.
inline nlohmann::json end_with_summary_of(LiveSession& session, const std::string& path, ProcessResult& result) {
  result = session.end();
  return nlohmann::json::parse(read_file(path), nullptr, false);
}

class PolicySession {
 public:
  explicit PolicySession(const PolicySessionOptions& options = {})
      : certificates(make_test_certificates(files.path())), upstream(certificates) {
    auto config = files.write("policy-config.json", config_text(options));
    summary_path = files.path() + "/summary.json";
    std::vector<std::string> args = {"--config", config, "--summary-json", summary_path};
    args.insert(args.end(), options.safe_run_options.begin(), options.safe_run_options.end());
    std::vector<std::string> env = {"ANTHROPIC_API_KEY=" + fake_key("sk-ant-api03-"),
                                    "OPENAI_API_KEY=" + fake_key("sk-proj-"), "SSL_CERT_FILE=" + certificates.ca_file};
    env.insert(env.end(), options.extra_env.begin(), options.extra_env.end());
    session = std::make_unique<LiveSession>(args, base_env(env));
  }

  std::string config_text(const PolicySessionOptions& o) const {
    auto session_policy = nlohmann::json::parse(o.session_policy);
    session_policy["prices"]["claude-test"] = {{"input", 1},      {"output", 1},
                                               {"cache_write", 1}, {"cache_read", 1},
                                               {"web_search_per_1000", 10}};
    session_policy["prices"]["gpt-test"] = {{"input", 1},      {"output", 1},
                                            {"cache_write", 1}, {"cache_read", 1},
                                            {"web_search_per_1000", 10}};
    return R"({"routes": [
      {"name": "anthropic", "provider": "anthropic", "upstream": ")" + upstream.origin() + R"(/anthropic",
       "credential": "x-api-key: {secret}", "secret": {"env": "ANTHROPIC_API_KEY"},
       "allow": ["POST /v1/messages", "POST /v1/messages/count_tokens", "GET /v1/models"],
       "child_env": {"ANTHROPIC_BASE_URL": "{base_url}"}, "policy": )" + o.anthropic_policy + R"(},
      {"name": "openai", "base_path": "/openai/v1", "provider": "openai", "upstream": ")" + upstream.origin() +
           R"(/openai/v1", "credential": "Authorization: Bearer {secret}", "secret": {"env": "OPENAI_API_KEY"},
       "allow": ["POST /chat/completions", "POST /responses", "POST /embeddings"],
       "child_env": {"OPENAI_BASE_URL": "{base_url}"}, "policy": )" + o.openai_policy + R"(}],
      "policy": )" + session_policy.dump() + (o.store.empty() ? "" : ", \"store\": " + o.store) + "}";
  }

  Headers anthropic(Headers extra = {}) const {
    Headers headers = {{"x-api-key", session->token()}, {"anthropic-version", "2023-06-01"},
                       {"content-type", "application/json"}};
    headers.insert(headers.end(), extra.begin(), extra.end());
    return headers;
  }
  Headers openai(Headers extra = {}) const {
    Headers headers = {{"Authorization", "Bearer " + session->token()}, {"content-type", "application/json"}};
    headers.insert(headers.end(), extra.begin(), extra.end());
    return headers;
  }
  HttpResponse message(const std::string& body, Headers extra = {}) const {
    return http_request(session->port(), "POST", "/anthropic/v1/messages", anthropic(std::move(extra)), body);
  }
  nlohmann::json status() const { return status_of(*session, anthropic()); }
  // Ends the session and returns its --summary-json.
  nlohmann::json end_with_summary() { return end_with_summary_of(*session, summary_path, result); }

  TempDir files;
  TestCertificates certificates;
  FakeUpstream upstream;
  std::string summary_path;
  std::unique_ptr<LiveSession> session;
  ProcessResult result;
};

// A micro-USD amount as --budget-usd takes it ("0.000042").
inline std::string usd(std::int64_t micro) {
  char text[32];
  std::snprintf(text, sizeof text, "%lld.%06lld", static_cast<long long>(micro / 1'000'000),
                static_cast<long long>(micro % 1'000'000));
  return text;
}

// The `limits` entry of a usage report whose counter ends with `suffix`.
inline nlohmann::json limit_entry(const nlohmann::json& usage, const std::string& suffix) {
  for (const auto& entry : usage["limits"]) {
    auto key = entry["counter"].get<std::string>();
    if (key.size() >= suffix.size() && key.compare(key.size() - suffix.size(), suffix.size(), suffix) == 0) return entry;
  }
  return nullptr;
}

// The JSON lines of a file (an audit trail), parsed.
inline std::vector<nlohmann::json> json_lines(const std::string& path) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(read_file(path));
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

// Reads from `client` until `text` has come (bounded: 20 reads of up to 5 s); what was read.
inline std::string read_until_seen(RawConnection& client, const std::string& text) {
  std::string seen;
  for (int i = 0; i < 20 && seen.find(text) == std::string::npos; ++i) {
    auto piece = client.read(std::chrono::seconds(5));
    if (!piece || piece->bytes.empty()) break;
    seen += piece->bytes;
  }
  return seen;
}

// The session's usage once `requests` have settled (it settles as soon as the broker notices a
// client gone; bounded wait of 2 s).
inline nlohmann::json usage_after(const PolicySession& policy, int requests) {
  nlohmann::json usage;
  for (int i = 0; i < 100; ++i) {
    usage = policy.status()["usage"];
    if (usage["total"]["requests"] == requests) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return usage;
}

}  // namespace saferun::test
