#include "broker/dispatch.h"

#include "broker/request_target.h"

namespace saferun::broker {
namespace {

bool has_segment_prefix(std::string_view path, std::string_view base) {
  if (!path.starts_with(base)) return false;
  return path.size() == base.size() || path[base.size()] == '/';
}

bool is_route_base(const std::vector<ActiveRoute>& routes, std::string_view path) {
  if (path == "/") return true;
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  for (const auto& active : routes) {
    if (active.route.base_path == path) return true;
  }
  return false;
}

// The raw (still encoded) path after the route base: same segment count as the decoded base.
std::string_view strip_segments(std::string_view raw_path, std::size_t count) {
  while (count-- > 0 && !raw_path.empty()) {
    auto next = raw_path.find('/', 1);
    raw_path = next == std::string_view::npos ? std::string_view{} : raw_path.substr(next);
  }
  return raw_path;
}

void refuse(Dispatch& d, int status, std::string decision, std::string reason) {
  d.action = Action::refuse;
  d.status = status;
  d.decision = std::move(decision);
  d.reason = std::move(reason);
}

// Segments of a route's base path ("/anthropic" is 1), counted without splitting it.
std::size_t segment_count(std::string_view path) {
  std::size_t count = 0;
  for (std::size_t at = 0; at < path.size(); ++at)
    if (path[at] != '/' && (at == 0 || path[at - 1] == '/')) ++count;
  return count;
}

void decide_for_route(Dispatch& d, const RequestTarget& target, std::string_view method) {
  const Route& route = d.route->route;
  auto base_segments = segment_count(route.base_path);
  auto rest_raw = strip_segments(target.path, base_segments);
  auto rest_decoded = strip_segments(d.policy_path, base_segments);
  if (rest_decoded.empty()) rest_decoded = "/";
  const AllowRule* rule = find_allowing_rule(route.allow, method, rest_decoded);
  if (rule == nullptr) {
    refuse(d, 403, "denied_policy",
           "route '" + route.name + "' does not allow " + std::string(method) + " " + std::string(rest_decoded) +
               " (no rule in its allowlist matches)");
    return;
  }
  d.action = Action::forward;
  d.rule = rule->text;
  auto& upstream = d.upstream_target;
  upstream.reserve(route.upstream.base_path.size() + rest_raw.size() + 1 + target.query.size());
  upstream = route.upstream.base_path;
  upstream += rest_raw;
  if (upstream.empty()) upstream = "/";
  if (target.has_query) (upstream += '?') += target.query;
}

}  // namespace

const ActiveRoute* find_route(const std::vector<ActiveRoute>& routes, std::string_view decoded_path) {
  const ActiveRoute* best = nullptr;
  for (const auto& active : routes) {
    const auto& base = active.route.base_path;
    if (has_segment_prefix(decoded_path, base) &&
        (best == nullptr || base.size() > best->route.base_path.size()))
      best = &active;
  }
  return best;
}

// Every path out returns the one local Dispatch, so the compiler may build it in place (it does:
// no copy, and no move of its five strings).
Dispatch dispatch_request(const RequestHead& head, const std::vector<ActiveRoute>& routes,
                          const Secret& token) {
  Dispatch d;
  std::string why;
  auto target = parse_request_target(head.target, why);
  if (!target) {
    refuse(d, 400, "bad_request", "malformed request target: " + why);
    return d;
  }
  d.path = std::string(target->path);
  d.policy_path = std::move(target->decoded_path);
  d.route = find_route(routes, d.policy_path);
  if (d.route != nullptr) d.provider = d.route->route.provider;

  if (head.method == "HEAD" && is_route_base(routes, d.policy_path)) {
    d.action = Action::preflight;
    d.decision = "preflight";
    return d;
  }
  // x-goog-api-key is where Gemini clients put a key; on any other route it is not a place the
  // token is accepted from (a token there is as good as missing).
  auto credentials = head.credentials;
  if (d.provider != Provider::gemini) credentials.x_goog_api_key.reset();
  switch (check_caller_token(credentials, token)) {
    case TokenVerdict::accepted: d.authenticated = true; break;
    case TokenVerdict::missing:
      refuse(d, 401, "denied_auth",
             "missing caller token: send the session token as x-api-key or "
             "Authorization: Bearer");
      return d;
    case TokenVerdict::rejected:
      refuse(d, 401, "denied_auth", "invalid caller token");
      return d;
  }
  if (d.policy_path == kStatusPath) {
    if (head.method != "GET") {
      refuse(d, 405, "denied_policy", "use GET");
      return d;
    }
    d.action = Action::status;
    d.decision = "status";
    return d;
  }
  if (d.route == nullptr) {
    refuse(d, 404, "no_route", "no route serves " + d.policy_path);
    return d;
  }
  decide_for_route(d, *target, head.method);
  return d;
}

}  // namespace saferun::broker
