#include "broker/allow_rule.h"

#include <algorithm>
#include <cctype>

namespace saferun::broker {
namespace {

bool is_method_token(std::string_view method) {
  if (method == "*") return true;
  return !method.empty() && std::all_of(method.begin(), method.end(), [](unsigned char c) {
    return std::isupper(c) != 0;
  });
}

// "*:generateContent": any name followed by ":generateContent" (Google's custom methods).
bool is_verb_pattern(std::string_view segment) {
  return segment.size() > 2 && segment.starts_with("*:") &&
         segment.find_first_of("*:", 2) == std::string_view::npos;
}

bool segment_matches(std::string_view rule, std::string_view segment) {
  if (rule == "*") return true;
  if (!is_verb_pattern(rule)) return rule == segment;
  auto verb = rule.substr(1);  // ":generateContent"
  return segment.size() > verb.size() && segment.ends_with(verb) &&
         segment.find(':') == segment.size() - verb.size();
}

// A path's segments one at a time, as split_path_segments lists them, without a list: a
// request is matched against every rule before the one that allows it.
class PathSegments {
 public:
  explicit PathSegments(std::string_view path) : rest_(path) {}

  bool next(std::string_view& segment) {
    if (rest_.empty()) return false;
    if (rest_.front() == '/') rest_.remove_prefix(1);
    auto slash = rest_.find('/');
    segment = rest_.substr(0, slash);
    rest_ = slash == std::string_view::npos ? std::string_view{} : rest_.substr(slash);
    return !(segment.empty() && rest_.empty());  // a trailing '/' ends the path, not a segment
  }

 private:
  std::string_view rest_;
};

}  // namespace

std::vector<std::string_view> split_path_segments(std::string_view path) {
  std::vector<std::string_view> out;
  PathSegments segments(path);
  for (std::string_view segment; segments.next(segment);) out.push_back(segment);
  return out;
}

std::optional<AllowRule> parse_allow_rule(std::string_view text, std::string& why) {
  auto space = text.find(' ');
  if (space == std::string_view::npos) {
    why = "expected \"METHOD /path\"";
    return std::nullopt;
  }
  AllowRule rule{std::string(text.substr(0, space)), {}, std::string(text)};
  auto path = text.substr(space + 1);
  if (!is_method_token(rule.method)) {
    why = "method must be upper case letters or *";
    return std::nullopt;
  }
  if (path.empty() || path.front() != '/') {
    why = "path must start with '/'";
    return std::nullopt;
  }
  for (auto segment : split_path_segments(path)) {
    if (segment.empty() || segment == "." || segment == ".." ||
        (segment.find('*') != std::string_view::npos && segment != "*" && !is_verb_pattern(segment))) {
      why = "path segments must be names, a lone *, or *:verb";
      return std::nullopt;
    }
    rule.segments.emplace_back(segment);
  }
  return rule;
}

bool rule_allows(const AllowRule& rule, std::string_view method, std::string_view path) {
  if (rule.method != "*" && rule.method != method) return false;
  PathSegments segments(path);
  std::string_view segment;
  for (const auto& pattern : rule.segments)
    if (!segments.next(segment) || !segment_matches(pattern, segment)) return false;
  return !segments.next(segment);
}

const AllowRule* find_allowing_rule(const std::vector<AllowRule>& rules, std::string_view method,
                                    std::string_view path) {
  for (const auto& rule : rules) {
    if (rule_allows(rule, method, path)) return &rule;
  }
  return nullptr;
}

}  // namespace saferun::broker
