#include "broker/response_head.h"

#include <boost/beast/http/status.hpp>
#include <string_view>

#include "broker/ascii.h"
#include "broker/field_lookup.h"
#include "broker/header_policy.h"

namespace saferun::broker {

namespace http = boost::beast::http;

namespace {

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

// A coding in `value` other than identity and `plain` (the one the broker reads through).
bool names_other_coding(std::string_view value, std::string_view plain) {
  for (const auto& token : connection_tokens(value))
    if (token != plain && token != "identity") return true;
  return false;
}

// The field's line "name: value\r\n" as it stands in `text` (a plain head keeps its lines as
// they came, broker/flat_fields.h), or empty when the field is not written so there: other
// spaces around the value, or a head kept as names and values back to back.
std::string_view line_as_written(std::string_view text, std::string_view name, std::string_view value) {
  const auto begin = static_cast<std::size_t>(name.data() - text.data());
  const auto value_at = static_cast<std::size_t>(value.data() - text.data());
  const auto end = value_at + value.size() + 2;
  if (value_at != begin + name.size() + 2 || end > text.size()) return {};
  if (text.substr(begin + name.size(), 2) != ": " || text.substr(end - 2, 2) != "\r\n") return {};
  return text.substr(begin, end - begin);
}

// Fields that pass unchanged are appended a run of adjacent lines at a time: a provider's head
// is two dozen lines of which one or two stop at the broker, and one append of the lines
// between them costs what one field's four appends did.
class FieldRun {
 public:
  explicit FieldRun(std::string& out) : out_(out) {}

  // `line` follows the run in the head's text: it joins it; else the run is written first.
  void add(std::string_view line) {
    if (run_.data() + run_.size() != line.data()) flush();
    run_ = run_.empty() ? line : std::string_view(run_.data(), run_.size() + line.size());
  }
  void flush() {
    out_.append(run_);
    run_ = {};
  }

 private:
  std::string& out_;
  std::string_view run_;
};

}  // namespace

// Masked field by field, and only when the head as a whole holds a secret (rare: an upstream
// echoing a key); redact() changes only text that holds one.
void append_client_head(std::string& out, const AnswerHead& head, const SecretRedactor& redactor) {
  // Room for it all at once: the text, ": " and CRLF per field, the status line's start and
  // end, and the fields the framing adds after (at most ~90 bytes).
  out.reserve(out.size() + head.text().size() + 4 * head.size() + 128);
  const SecretRedactor* masking = redactor.finds_secret(head.text()) ? &redactor : nullptr;
  append_status_line(out, head.status(), head.reason(), masking);
  const auto listed = connection_listed_names(head);
  FieldRun run(out);
  for (const auto& field : head) {
    const auto name = view(field.name_string());
    const auto value = view(field.value());
    if (!forwards_response_header(name, listed) || is_named(name, http::field::content_length)) continue;
    if (masking && (masking->finds_secret(name) || masking->finds_secret(value))) {
      run.flush();
      append_field(out, masking->redact(name), masking->redact(value));
    } else if (auto line = line_as_written(head.text(), name, value); !line.empty()) {
      run.add(line);
    } else {
      run.flush();
      append_field(out, name, value);
    }
  }
  run.flush();
}

// Every Content-Encoding field counts ("identity" then "gzip" is gzip), and a transfer coding
// under the chunks ("gzip, chunked") hides the body as well.
bool is_encoded(const AnswerHead& head) {
  bool encoded = false;
  for_each_field_value(head, http::field::content_encoding,
                       [&](std::string_view value) { encoded = encoded || names_other_coding(value, "identity"); });
  for_each_field_value(head, http::field::transfer_encoding,
                       [&](std::string_view value) { encoded = encoded || names_other_coding(value, "chunked"); });
  return encoded;
}

}  // namespace saferun::broker
