#include "session/json_fields.h"

#include "session/setup_error.h"

namespace saferun::session {

JsonFields::JsonFields(const nlohmann::json& value, std::string origin, std::string path)
    : value_(value), origin_(std::move(origin)), path_(std::move(path)) {
  if (!value_.is_object())
    throw SetupError(origin_ + ": " + (path_.empty() ? "top level" : path_) + ": expected an object");
}

std::string JsonFields::path_of(const std::string& key) const {
  if (key.empty()) return path_;
  return path_.empty() ? key : path_ + "." + key;
}

void JsonFields::fail(const std::string& key, const std::string& message) const {
  throw SetupError(origin_ + ": " + path_of(key) + ": " + message);
}

bool JsonFields::has(const std::string& key) const { return value_.contains(key); }

const nlohmann::json& JsonFields::required(const std::string& key) {
  auto* found = optional(key);
  if (found == nullptr) fail(key, "is required");
  return *found;
}

const nlohmann::json* JsonFields::optional(const std::string& key) {
  seen_.insert(key);
  auto it = value_.find(key);
  return it == value_.end() ? nullptr : &*it;
}

std::string JsonFields::string(const std::string& key) {
  const auto& value = required(key);
  if (!value.is_string()) fail(key, "expected a string");
  return value.get<std::string>();
}

std::vector<std::string> JsonFields::strings(const std::string& key) {
  const auto& value = required(key);
  if (!value.is_array()) fail(key, "expected an array of strings");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (!value[i].is_string())
      fail(key + "[" + std::to_string(i) + "]", "expected a string");
    out.push_back(value[i].get<std::string>());
  }
  return out;
}

std::uint64_t JsonFields::positive_integer(const std::string& key) {
  const auto& value = required(key);
  if (!value.is_number_unsigned() || value.get<std::uint64_t>() == 0)
    fail(key, "expected a positive integer");
  return value.get<std::uint64_t>();
}

void JsonFields::reject_unknown_keys() const {
  for (const auto& item : value_.items()) {
    if (!seen_.count(item.key())) fail(item.key(), "unknown key");
  }
}

}  // namespace saferun::session
