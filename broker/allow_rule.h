#pragma once
// Allowlist rules "METHOD /path/pattern" relative to a route's base; `*` matches exactly one
// path segment, and a method of `*` matches any method. Rules only ever allow: anything no
// rule matches is refused.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace saferun::broker {

struct AllowRule {
  std::string method;                 // upper case, or "*"
  std::vector<std::string> segments;  // "/v1/models/*" -> {"v1","models","*"}
  std::string text;                   // as written, for messages
};

// Parses one rule; on failure returns nullopt with `why` set.
std::optional<AllowRule> parse_allow_rule(std::string_view text, std::string& why);

// `path` is the normalised, decoded path relative to the route base ("/v1/messages").
bool rule_allows(const AllowRule& rule, std::string_view method, std::string_view path);

// The first rule that allows the request, or nullptr.
const AllowRule* find_allowing_rule(const std::vector<AllowRule>& rules, std::string_view method,
                                    std::string_view path);

// Splits "/a/b" into {"a","b"}; "/" and "" give {}.
std::vector<std::string_view> split_path_segments(std::string_view path);

}  // namespace saferun::broker
