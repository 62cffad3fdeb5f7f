#include "broker/response_head.h"

#include <boost/beast/http/status.hpp>
#include <string_view>

#include "broker/ascii.h"
#include "broker/header_policy.h"

namespace saferun::broker {

namespace http = boost::beast::http;

namespace {

ConnectionTokens connection_tokens_of(const AnswerHead& head) {
  ConnectionTokens tokens;
  head.for_each([&](const AnswerHead::Field& field) {
    if (field.name == http::field::connection) tokens.merge(connection_tokens(field.value));
  });
  return tokens;
}

void append_status_line(std::string& out, unsigned status, std::string_view reason, const SecretRedactor* redactor) {
  const char line[] = {'H', 'T', 'T', 'P', '/', '1', '.', '1', ' ', static_cast<char>('0' + status / 100 % 10),
                       static_cast<char>('0' + status / 10 % 10), static_cast<char>('0' + status % 10), ' '};
  out.append(line, sizeof line);
  if (reason.empty()) reason = view(http::obsolete_reason(static_cast<http::status>(status)));
  redactor && redactor->finds_secret(reason) ? out.append(redactor->redact(reason)) : out.append(reason);
  out += "\r\n";
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out += ": ";
  out.append(value);
  out += "\r\n";
}

}  // namespace

// Masked field by field, and only when the head as a whole holds a secret (rare: an upstream
// echoing a key); redact() changes only text that holds one.
void append_client_head(std::string& out, const AnswerHead& head, const SecretRedactor& redactor) {
  const SecretRedactor* masking = redactor.finds_secret(head.text()) ? &redactor : nullptr;
  append_status_line(out, head.status(), head.reason(), masking);
  const auto listed = connection_tokens_of(head);
  head.for_each([&](const AnswerHead::Field& field) {
    if (!forwards_response_header(field.name_text, listed) || field.name == http::field::content_length) return;
    if (masking && (masking->finds_secret(field.name_text) || masking->finds_secret(field.value)))
      return append_field(out, masking->redact(field.name_text), masking->redact(field.value));
    append_field(out, field.name_text, field.value);
  });
}

// Every Content-Encoding field counts ("identity" then "gzip" is gzip), and a transfer coding
// under the chunks ("gzip, chunked") hides the body as well.
bool is_encoded(const AnswerHead& head) {
  bool encoded = false;
  head.for_each([&](const AnswerHead::Field& field) {
    if (field.name != http::field::content_encoding && field.name != http::field::transfer_encoding) return;
    const std::string_view plain = field.name == http::field::content_encoding ? "identity" : "chunked";
    for (const auto& token : connection_tokens(field.value))
      encoded = encoded || (token != plain && token != "identity");
  });
  return encoded;
}

}  // namespace saferun::broker
