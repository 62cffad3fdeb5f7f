#pragma once
// Error answers in the shape the route's provider uses, so SDKs surface them as ordinary
// API errors: Anthropic `{"type":"error","error":{"type","message"}}`, OpenAI
// `{"error":{"message","type","param","code"}}`, Gemini `{"error":{"code","message","status"}}`.

#include <string>
#include <string_view>

namespace saferun::broker {

enum class Provider { anthropic, openai, gemini, generic };

// Parses "anthropic" / "openai" / "gemini" / "generic"; false for anything else.
bool parse_provider(std::string_view text, Provider& out);
std::string_view provider_name(Provider provider);

// The provider's error type for an HTTP status (401 -> "authentication_error", ...).
std::string_view error_type_for(Provider provider, int status);

std::string error_body(Provider provider, int status, std::string_view message);

}  // namespace saferun::broker
