#include "broker/status_report.h"

#include <nlohmann/json.hpp>

namespace saferun::broker {

std::string status_report(const BrokerContext& context) {
  nlohmann::json routes = nlohmann::json::array();
  for (const auto& active : context.routes) {
    const Route& route = active.route;
    nlohmann::json allow = nlohmann::json::array();
    for (const auto& rule : route.allow) allow.push_back(rule.text);
    routes.push_back({{"name", route.name},
                      {"base_url", context.base_url(route)},
                      {"upstream", route.upstream.url_for("")},
                      {"provider", provider_name(route.provider)},
                      {"allow", std::move(allow)}});
  }
  auto uptime = std::chrono::duration<double>(std::chrono::steady_clock::now() - context.started);
  nlohmann::json report = {
      {"session", context.settings.session_id},
      {"mode", context.settings.dry_run ? "dry_run" : "proxy"},
      {"uptime_seconds", uptime.count()},
      {"requests", {{"served", context.stats.served}, {"denied", context.stats.denied}}},
      {"bytes", {{"in", context.stats.bytes_in}, {"out", context.stats.bytes_out}}},
      {"client_connections", context.connections.size()},  // open now, this status request's included
      {"upstream",
       {{"connects", context.pool ? context.pool->connects() : 0},
        {"tls_handshakes", context.pool ? context.pool->handshakes() : 0}}},
      {"routes", std::move(routes)},
      {"usage", context.policy->report()},
      {"expired", context.expired},
  };
  return report.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace saferun::broker
