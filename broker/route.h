#pragma once
// A route maps a broker path prefix onto an upstream base URL, one to one:
// `http://127.0.0.1:<port><base_path>/<rest>` is forwarded to `<upstream><rest>`.

#include <string>
#include <vector>

#include "broker/allow_rule.h"
#include "broker/policy/policy_rules.h"
#include "broker/error_body.h"
#include "broker/secret.h"
#include "broker/upstream_url.h"

namespace saferun::broker {

// How the real credential is attached upstream: `header: prefix{secret}suffix`.
struct CredentialHeader {
  std::string name;    // lower case, e.g. "x-api-key"
  std::string prefix;  // e.g. "Bearer "
  std::string suffix;
};

struct Route {
  std::string name;
  std::string base_path;  // "/anthropic" or "/openai/v1": never ends in '/'
  UpstreamUrl upstream;
  CredentialHeader credential;
  Provider provider = Provider::generic;
  std::vector<AllowRule> allow;
  std::string secret_label;  // "env:ANTHROPIC_API_KEY": where the secret came from, never it
  std::string ca_file;       // extra trusted CAs for this upstream ("" = system store only)
  policy::PolicyRules policy;  // this route's own limits, on top of the session's
};

// A route the broker serves, with the secret it attaches (empty in dry-run).
struct ActiveRoute {
  Route route;
  Secret secret;
  Secret credential_line;  // made by the broker from `secret`: what it attaches upstream
};

}  // namespace saferun::broker
