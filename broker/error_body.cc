#include "broker/error_body.h"

#include <nlohmann/json.hpp>

namespace saferun::broker {

bool parse_provider(std::string_view text, Provider& out) {
  if (text == "anthropic") return out = Provider::anthropic, true;
  if (text == "openai") return out = Provider::openai, true;
  if (text == "gemini") return out = Provider::gemini, true;
  if (text == "generic") return out = Provider::generic, true;
  return false;
}

std::string_view provider_name(Provider provider) {
  switch (provider) {
    case Provider::anthropic: return "anthropic";
    case Provider::openai: return "openai";
    case Provider::gemini: return "gemini";
    case Provider::generic: return "generic";
  }
  return "generic";
}

std::string_view error_type_for(Provider provider, int status) {
  const bool openai = provider == Provider::openai;
  switch (status) {
    case 400: return "invalid_request_error";
    case 401: return openai ? "invalid_request_error" : "authentication_error";
    case 403: return openai ? "invalid_request_error" : "permission_error";
    case 404: return openai ? "invalid_request_error" : "not_found_error";
    case 413: return openai ? "invalid_request_error" : "request_too_large";
    case 429: return openai ? "rate_limit_exceeded" : "rate_limit_error";
    case 504: return openai ? "server_error" : "timeout_error";
    default: return openai ? "server_error" : "api_error";
  }
}

namespace {

std::string_view openai_code_for(int status) {
  switch (status) {
    case 401: return "invalid_api_key";
    case 403: return "forbidden";
    case 404: return "not_found";
    case 413: return "request_too_large";
    case 504: return "timeout";
    default: return status >= 500 ? "upstream_error" : "invalid_request";
  }
}

// google.rpc.Code names, as Google's APIs put them in error.status.
std::string_view google_status_for(int status) {
  switch (status) {
    case 400: return "INVALID_ARGUMENT";
    case 401: return "UNAUTHENTICATED";
    case 403: return "PERMISSION_DENIED";
    case 404: return "NOT_FOUND";
    case 413: return "INVALID_ARGUMENT";
    case 429: return "RESOURCE_EXHAUSTED";
    case 501: return "UNIMPLEMENTED";
    case 504: return "DEADLINE_EXCEEDED";
    default: return status >= 500 ? "UNAVAILABLE" : "FAILED_PRECONDITION";
  }
}

}  // namespace

std::string error_body(Provider provider, int status, std::string_view message) {
  nlohmann::json body;
  if (provider == Provider::openai) {
    body["error"] = {{"message", message},
                     {"type", error_type_for(provider, status)},
                     {"param", nullptr},
                     {"code", openai_code_for(status)}};
  } else if (provider == Provider::gemini) {
    body["error"] = {{"code", status}, {"message", message}, {"status", google_status_for(status)}};
  } else {
    body = {{"type", "error"},
            {"error", {{"type", error_type_for(provider, status)}, {"message", message}}}};
  }
  // A message may quote client bytes that are not UTF-8: replace them rather than throw.
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace saferun::broker
