#pragma once
// What the broker does with a request, decided from its head alone (method, target and
// credential headers) before any body byte is read. Pure: no sockets, no clock.
//
// Order, failing closed at each step:
//   malformed target -> 400; HEAD of "/" or a route base -> preflight (Claude Code's
//   unauthenticated preconnect; never forwarded); no valid caller token -> 401;
//   /_safe-run/status -> status; no route -> 404; no allowlist rule -> 403; else forward.

#include <string>
#include <string_view>
#include <vector>

#include "broker/caller_token.h"
#include "broker/route.h"

namespace saferun::broker {

inline constexpr std::string_view kStatusPath = "/_safe-run/status";

enum class Action { preflight, status, forward, refuse };

struct Dispatch {
  Action action = Action::refuse;
  int status = 200;                    // the answer's status for everything but forward
  const ActiveRoute* route = nullptr;  // when the path named one
  Provider provider = Provider::anthropic;  // error body shape
  std::string reason;                  // why refused; safe to show the client
  std::string decision = "allowed";    // audit: allowed | denied_auth | denied_policy | ...
  std::string_view rule;               // the allowlist rule that allowed a forward (the route's own text)
  std::string path;                    // path without query, for the audit log
  std::string policy_path;             // decoded: what the route, the allowlist and the policy read
  std::string upstream_target;         // base path + rest + "?query", for forward
  bool authenticated = false;          // the caller token was accepted
};

struct RequestHead {
  std::string_view method;
  std::string_view target;
  PresentedCredentials credentials;
};

Dispatch dispatch_request(const RequestHead& head, const std::vector<ActiveRoute>& routes,
                          const Secret& token);

// The route whose base path is the longest segment-wise prefix of `decoded_path`, or nullptr.
const ActiveRoute* find_route(const std::vector<ActiveRoute>& routes, std::string_view decoded_path);

}  // namespace saferun::broker
