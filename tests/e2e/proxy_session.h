#pragma once
// A live proxy-mode session whose built-in routes point at a TLS fake upstream with a test
// CA (trusted through SSL_CERT_FILE), holding a fake Anthropic and a fake OpenAI key.

#include <memory>
#include <string>
#include <vector>

#include "tests/e2e/safe_run.h"
#include "tests/support/fake_upstream.h"
#include "tests/support/raw_http.h"
#include "tests/support/test_ca.h"

namespace saferun::test {

struct ProxySessionOptions {
  std::vector<std::string> safe_run_options;  // before "--"
  std::vector<std::string> extra_env;
  bool trust_test_ca = true;
};

class ProxySession {
 public:
  explicit ProxySession(ProxySessionOptions options = {});

  // A config file whose routes point at the fake; `limits` is a JSON object's text.
  static std::string write_config(const TempDir& dir, const std::string& origin, const std::string& limits);

  TempDir files;
  TestCertificates certificates;
  FakeUpstream upstream;
  std::string anthropic_key = fake_key("sk-ant-api03-");
  std::string openai_key = fake_key("sk-proj-");
  std::unique_ptr<LiveSession> session;

  std::uint16_t port() const { return session->port(); }
  const std::string& token() const { return session->token(); }
  Headers anthropic_headers() const;  // token in x-api-key, as the Anthropic SDK 0.x sends it
  Headers openai_headers() const;     // token as a Bearer, as the OpenAI SDK sends it
  // Everything the session printed, for secret searches.
  std::string everything_printed() const;
};

}  // namespace saferun::test
