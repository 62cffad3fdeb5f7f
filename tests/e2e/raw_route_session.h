#pragma once
// A live proxy session with one Anthropic-shaped route ("POST /v1/messages" under
// /anthropic) whose upstream is a scripted RawUpstream on plain loopback HTTP.

#include <string>

#include "tests/e2e/proxy_session.h"
#include "tests/support/raw_upstream.h"

namespace saferun::test {

struct RawRouteSession {
  explicit RawRouteSession(RawUpstream::Script script, const std::string& limits = "{}",
                           std::vector<std::string> options = {})
      : upstream(std::move(script)),
        session(with_config(options, ProxySession::write_config(files, upstream.origin(), limits)),
                base_env({"ANTHROPIC_API_KEY=" + key})) {}

  static std::vector<std::string> with_config(std::vector<std::string> options, const std::string& config) {
    options.insert(options.end(), {"--config", config});
    return options;
  }
  Headers headers() const { return {{"x-api-key", session.token()}, {"content-type", "application/json"}}; }
  HttpResponse post(const std::string& body = "{}") {
    return http_request(session.port(), "POST", "/anthropic/v1/messages", headers(), body);
  }

  TempDir files;
  std::string key = fake_key("sk-ant-api03-");
  RawUpstream upstream;
  LiveSession session;
};

}  // namespace saferun::test
