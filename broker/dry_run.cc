#include "broker/dry_run.h"

#include <nlohmann/json.hpp>

namespace saferun::broker {

std::string dry_run_body(const Dispatch& dispatch, std::string_view method, std::string_view body) {
  const Route& route = dispatch.route->route;
  nlohmann::json request = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (request.is_discarded()) request = {{"bytes", body.size()}};
  nlohmann::json answer = {
      {"ok", true},
      {"mode", "dry_run"},
      {"route", route.name},
      {"forward",
       {{"method", method},
        {"url", route.upstream.origin() + dispatch.upstream_target},
        {"credential_header", route.credential.name},
        {"secret_source", route.secret_label},
        {"rule", std::string(dispatch.rule)}}},
      {"request", std::move(request)},
  };
  return answer.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);  // client bytes may not be UTF-8
}

}  // namespace saferun::broker
