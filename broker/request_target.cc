#include "broker/request_target.h"

#include "broker/allow_rule.h"

#include <algorithm>

namespace saferun::broker {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Besides controls and separators: ';' (path parameters: "..;/" is ".." to some servers) and
// every byte above ASCII (overlong or alternative encodings of '.', '/'; no API path needs one).
bool is_forbidden_byte(unsigned char c) {
  return c <= 0x20 || c >= 0x7f || c == '\\' || c == '#' || c == ';';
}

// Decodes %XX escapes, refusing escapes of bytes that would change the path's structure.
std::optional<std::string> decode_path(std::string_view raw, std::string& why) {
  if (raw.find('%') == std::string_view::npos) {  // most paths: nothing to decode, one copy
    if (std::any_of(raw.begin(), raw.end(), [](unsigned char c) { return is_forbidden_byte(c); }))
      return why = "forbidden character in path", std::nullopt;
    return std::string(raw);
  }
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    auto c = static_cast<unsigned char>(raw[i]);
    if (is_forbidden_byte(c)) return why = "forbidden character in path", std::nullopt;
    if (c != '%') {
      out.push_back(static_cast<char>(c));
      continue;
    }
    int hi = i + 2 < raw.size() ? hex_value(raw[i + 1]) : -1;
    int lo = i + 2 < raw.size() ? hex_value(raw[i + 2]) : -1;
    if (hi < 0 || lo < 0) return why = "malformed percent-encoding in path", std::nullopt;
    auto decoded = static_cast<unsigned char>(hi * 16 + lo);
    if (decoded == '/' || decoded == '.' || decoded == '%' || is_forbidden_byte(decoded))
      return why = "ambiguous percent-encoding in path", std::nullopt;
    out.push_back(static_cast<char>(decoded));
    i += 2;
  }
  return out;
}

bool has_ambiguous_segment(std::string_view path) {
  auto inner = path.substr(1);  // a lone trailing '/' of the whole path is not a segment
  if (!inner.empty() && inner.back() == '/') inner.remove_suffix(1);
  if (inner.empty()) return false;
  std::size_t start = 0;
  while (start <= inner.size()) {
    auto end = inner.find('/', start);
    auto segment = inner.substr(start, end == std::string_view::npos ? end : end - start);
    if (segment.empty() || segment == "." || segment == "..") return true;
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return false;
}

}  // namespace

std::optional<RequestTarget> parse_request_target(std::string_view target, std::string& why) {
  if (target.empty() || target.front() != '/') {
    why = "only origin-form request targets are accepted";
    return std::nullopt;
  }
  if (target.size() > 1 && target[1] == '/') {
    why = "request target must not start with //";
    return std::nullopt;
  }
  RequestTarget out;
  auto question = target.find('?');
  out.path = target.substr(0, question);
  if (question != std::string_view::npos) {
    out.has_query = true;
    out.query = target.substr(question + 1);
    for (unsigned char c : out.query) {
      if (c <= 0x20 || c == 0x7f || c == '#') {
        why = "forbidden character in query";
        return std::nullopt;
      }
    }
  }
  auto decoded = decode_path(out.path, why);
  if (!decoded) return std::nullopt;
  if (has_ambiguous_segment(*decoded)) {
    why = "empty, '.' or '..' path segment";
    return std::nullopt;
  }
  out.decoded_path = std::move(*decoded);
  return out;
}

}  // namespace saferun::broker
