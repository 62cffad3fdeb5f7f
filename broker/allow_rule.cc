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

}  // namespace

std::vector<std::string_view> split_path_segments(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    if (path.front() == '/') path.remove_prefix(1);
    auto next = path.find('/');
    out.push_back(path.substr(0, next));
    path = next == std::string_view::npos ? std::string_view{} : path.substr(next);
  }
  if (!out.empty() && out.back().empty()) out.pop_back();
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
  auto segments = split_path_segments(path);
  if (segments.size() != rule.segments.size()) return false;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (!segment_matches(rule.segments[i], segments[i])) return false;
  }
  return true;
}

const AllowRule* find_allowing_rule(const std::vector<AllowRule>& rules, std::string_view method,
                                    std::string_view path) {
  for (const auto& rule : rules) {
    if (rule_allows(rule, method, path)) return &rule;
  }
  return nullptr;
}

}  // namespace saferun::broker
