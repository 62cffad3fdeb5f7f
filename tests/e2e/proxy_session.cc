#include "tests/e2e/proxy_session.h"

namespace saferun::test {

ProxySession::ProxySession(ProxySessionOptions options)
    : certificates(make_test_certificates(files.path())), upstream(certificates) {
  std::vector<std::string> env = {"ANTHROPIC_BASE_URL=" + upstream.origin() + "/anthropic",
                                  "OPENAI_BASE_URL=" + upstream.origin() + "/openai/v1",
                                  "ANTHROPIC_API_KEY=" + anthropic_key, "OPENAI_API_KEY=" + openai_key};
  if (options.trust_test_ca) env.push_back("SSL_CERT_FILE=" + certificates.ca_file);
  env.insert(env.end(), options.extra_env.begin(), options.extra_env.end());
  session = std::make_unique<LiveSession>(options.safe_run_options, base_env(env));
}

std::string ProxySession::write_config(const TempDir& dir, const std::string& origin, const std::string& limits) {
  return dir.write("proxy-config.json", R"({"routes": [{"name": "anthropic", "provider": "anthropic",
    "upstream": ")" + origin + R"(/anthropic", "credential": "x-api-key: {secret}",
    "secret": {"env": "ANTHROPIC_API_KEY"}, "allow": ["POST /v1/messages"],
    "child_env": {"ANTHROPIC_BASE_URL": "{base_url}", "ANTHROPIC_API_KEY": "{token}"}}],
    "limits": )" + limits + "}");
}

Headers ProxySession::anthropic_headers() const {
  return {{"x-api-key", token()}, {"anthropic-version", "2023-06-01"}, {"content-type", "application/json"}};
}

Headers ProxySession::openai_headers() const {
  return {{"Authorization", "Bearer " + token()}, {"content-type", "application/json"}};
}

std::string ProxySession::everything_printed() const {
  return session->process().out() + session->process().err();
}

}  // namespace saferun::test
