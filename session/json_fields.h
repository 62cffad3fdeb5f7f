#pragma once
// Strict reading of one JSON object for config parsing: every key must be consumed, and each
// error names the JSON path ("routes[1].upstream: expected a string").

#include <nlohmann/json.hpp>
#include <set>
#include <string>

namespace saferun::session {

class JsonFields {
 public:
  // Throws SetupError "<origin>: <path>: expected an object" when `value` is not one.
  JsonFields(const nlohmann::json& value, std::string origin, std::string path);

  bool has(const std::string& key) const;
  const nlohmann::json& required(const std::string& key);
  const nlohmann::json* optional(const std::string& key);  // nullptr when absent

  std::string string(const std::string& key);
  std::vector<std::string> strings(const std::string& key);  // an array of strings
  std::uint64_t positive_integer(const std::string& key);

  std::string path_of(const std::string& key) const;
  [[noreturn]] void fail(const std::string& key, const std::string& message) const;
  // Throws for the first key nobody asked for: typos must not silently disable a policy.
  void reject_unknown_keys() const;

 private:
  const nlohmann::json& value_;
  std::string origin_;
  std::string path_;
  std::set<std::string> seen_;
};

}  // namespace saferun::session
