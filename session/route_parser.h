#pragma once
// Reads one entry of "routes" into a RouteConfig, validating every field.

#include <nlohmann/json.hpp>
#include <string>

#include "session/config.h"

namespace saferun::session {

// `path` is the entry's JSON path ("routes[1]"); errors are SetupError naming origin and path.
RouteConfig parse_route(const nlohmann::json& value, const std::string& origin,
                        const std::string& path);

// Checks a finished route (also the built-in ones): http:// only for loopback hosts, etc.
void validate_upstream(const broker::UpstreamUrl& url, const std::string& where);

bool is_env_name(std::string_view name);

class JsonFields;
// The optional "secret" object of `fields` (a route's, the store's): exactly one of env,
// file, fd, command. Kind::none when absent.
SecretSource parse_secret(JsonFields& fields, const std::string& origin);

}  // namespace saferun::session
