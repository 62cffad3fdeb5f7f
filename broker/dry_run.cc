#include "broker/dry_run.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace saferun::broker {

namespace {

// How deep a JSON text nests (brackets outside strings). dump() recurses once per level, and a
// tree costs many times the text's size: a body nested deeper than kMaxEchoDepth, or larger than
// kMaxEchoBytes, is described by its size, not echoed.
constexpr std::size_t kMaxEchoDepth = 128;
constexpr std::size_t kMaxEchoBytes = 1 << 20;

std::size_t nesting_depth(std::string_view text) {
  std::size_t depth = 0, deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

}  // namespace

std::string dry_run_body(const Dispatch& dispatch, std::string_view method, std::string_view body) {
  const Route& route = dispatch.route->route;
  nlohmann::json request = nlohmann::json::value_t::discarded;
  if (body.size() <= kMaxEchoBytes && nesting_depth(body) <= kMaxEchoDepth)
    request = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
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
