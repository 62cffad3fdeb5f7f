#include "broker/response_head.h"

#include <string>
#include <utility>
#include <vector>

#include "broker/ascii.h"
#include "broker/field_lookup.h"
#include "broker/header_policy.h"

namespace saferun::broker {

namespace http = boost::beast::http;

namespace {

// Rare (an upstream echoing a key): every name and value masked, the head rebuilt in order.
void mask_fields(UpstreamResponse& response, const SecretRedactor& redactor) {
  std::vector<std::pair<std::string, std::string>> masked;
  for (const auto& field : response)
    masked.emplace_back(redactor.redact(view(field.name_string())), redactor.redact(view(field.value())));
  response.clear();
  for (const auto& [name, value] : masked) response.insert(name, value);
}

}  // namespace

// Fields are erased as they are met — erase() hands back the next one, so nothing is read
// after it is freed; the common head (no secret in it) is cleaned without a copy.
void clean_response_head(UpstreamResponse& response, const SecretRedactor& redactor) {
  auto listed = connection_tokens_of(response.base());
  std::string lower;
  bool holds_secret = false;
  for (auto field = response.begin(); field != response.end();) {
    auto name = view(field->name_string());
    auto lower_name = lower_into(name, lower);
    if (!forwards_response_header(lower_name, listed) || lower_name == "content-length") {
      field = response.erase(field);
      continue;
    }
    holds_secret = holds_secret || redactor.finds_secret(name) || redactor.finds_secret(view(field->value()));
    ++field;
  }
  if (holds_secret) mask_fields(response, redactor);
  auto reason = view(response.reason());
  if (redactor.finds_secret(reason)) response.reason(redactor.redact(reason));
}

bool is_encoded(const ArenaFields& fields) {
  auto coding = to_lower(first_field_value(fields, http::field::content_encoding).value_or(""));
  if (!coding.empty() && coding != "identity") return true;
  // A transfer coding under the chunks ("gzip, chunked") hides the body as well.
  bool encoded = false;
  for_each_field_value(fields, http::field::transfer_encoding, [&](std::string_view value) {
    for (const auto& token : connection_tokens(value))
      encoded = encoded || (token != "chunked" && token != "identity");
  });
  return encoded;
}

}  // namespace saferun::broker
