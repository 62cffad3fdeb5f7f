#include "session/policy_parser.h"

#include <cmath>

#include "session/builtin_prices.h"
#include "session/setup_error.h"

namespace saferun::session {
namespace {

namespace policy = broker::policy;

constexpr double kMaxUsd = 1e9;

std::int64_t micro_usd_of(JsonFields& fields, const std::string& key, bool allow_zero) {
  const auto& value = fields.required(key);
  if (!value.is_number()) fields.fail(key, "expected a number of US dollars");
  double usd = value.get<double>();
  double micro = std::round(usd * 1e6);
  if (!std::isfinite(usd) || usd < 0 || (!allow_zero && micro < 1) || usd > kMaxUsd)
    fields.fail(key, allow_zero ? "expected a number of US dollars, 0 or more" : "expected a positive number of US dollars");
  if (std::fabs(usd * 1e6 - micro) > 1e-3) fields.fail(key, "at most six decimals (micro-USD)");
  return static_cast<std::int64_t>(micro);
}

std::int64_t count_of(JsonFields& fields, const std::string& key) {
  auto value = fields.positive_integer(key);
  if (value > (std::uint64_t{1} << 53)) fields.fail(key, "too large");
  return static_cast<std::int64_t>(value);
}

std::vector<std::string> model_patterns(JsonFields& fields) {
  auto patterns = fields.strings("models");
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    if (patterns[i].empty() || patterns[i].size() > 200)
      fields.fail("models[" + std::to_string(i) + "]", "expected a model name or pattern such as claude-sonnet-*");
  }
  return patterns;
}

// The keys a policy object has in both scopes.
policy::PolicyRules parse_rules(JsonFields& fields) {
  policy::PolicyRules rules;
  if (fields.has("models")) rules.models = model_patterns(fields);
  if (fields.has("max_output_tokens")) rules.max_output_tokens = count_of(fields, "max_output_tokens");
  if (fields.has("over_ceiling")) {
    const auto& value = fields.required("over_ceiling");
    if (value == "lower") rules.over_ceiling = policy::OverCeiling::lower;
    else if (value == "refuse") rules.over_ceiling = policy::OverCeiling::refuse;
    else fields.fail("over_ceiling", "expected \"lower\" or \"refuse\"");
  }
  if (fields.has("requests_per_minute")) rules.requests_per_minute = count_of(fields, "requests_per_minute");
  if (fields.has("concurrent_requests")) rules.concurrent_requests = count_of(fields, "concurrent_requests");
  if (fields.has("tokens_per_minute")) rules.tokens_per_minute = count_of(fields, "tokens_per_minute");
  if (fields.has("input_tokens")) rules.input_tokens = count_of(fields, "input_tokens");
  if (fields.has("output_tokens")) rules.output_tokens = count_of(fields, "output_tokens");
  if (fields.has("budget_usd")) rules.budget_micro_usd = micro_usd_of(fields, "budget_usd", false);
  return rules;
}

void parse_prices(const nlohmann::json& models, const std::string& origin, const std::string& path,
                  policy::PriceTable& table) {
  if (!models.is_object()) throw SetupError(origin + ": " + path + ": expected an object of model: prices");
  for (const auto& item : models.items()) {
    if (item.key().empty()) throw SetupError(origin + ": " + path + ": empty model name");
    JsonFields fields(item.value(), origin, path + "." + item.key());
    policy::Price price;
    price.input = micro_usd_of(fields, "input", true);
    price.output = micro_usd_of(fields, "output", true);
    price.cache_write = fields.has("cache_write") ? micro_usd_of(fields, "cache_write", true) : price.input;
    price.cache_read = fields.has("cache_read") ? micro_usd_of(fields, "cache_read", true) : price.input;
    if (fields.has("web_search_per_1000")) price.web_search = micro_usd_of(fields, "web_search_per_1000", true);
    fields.reject_unknown_keys();
    table.set(item.key(), price);
  }
}

bool is_shared_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

policy::Window window_of(JsonFields& fields) {
  if (!fields.has("window")) return policy::Window::total;
  auto window = fields.string("window");
  if (window == "total") return policy::Window::total;
  if (window == "hour") return policy::Window::per_hour;
  if (window == "day") return policy::Window::per_day;
  fields.fail("window", "expected \"total\", \"hour\" or \"day\"");
}

// policy.shared: limits shared through the store with every session naming the same name.
std::vector<policy::SharedRules> parse_shared(JsonFields& policy_fields, const std::string& origin) {
  const auto* value = policy_fields.optional("shared");
  if (value == nullptr) return {};
  if (!value->is_array() || value->empty()) policy_fields.fail("shared", "expected a non-empty array of shared limits");
  std::vector<policy::SharedRules> shared;
  for (std::size_t i = 0; i < value->size(); ++i) {
    JsonFields fields((*value)[i], origin, policy_fields.path_of("shared") + "[" + std::to_string(i) + "]");
    policy::SharedRules rules;
    rules.name = fields.string("name");
    if (!is_shared_name(rules.name)) fields.fail("name", "expected 1-64 of A-Z a-z 0-9 - _ .");
    for (const auto& other : shared)
      if (other.name == rules.name) fields.fail("name", "'" + rules.name + "' is named twice");
    rules.window = window_of(fields);
    rules.rules = parse_rules(fields);
    if (!rules.rules.has_limits()) fields.fail("", "a shared entry needs at least one limit");
    fields.reject_unknown_keys();
    shared.push_back(std::move(rules));
  }
  return shared;
}

}  // namespace

policy::PriceTable builtin_price_table() {
  const std::string origin = "built-in prices (configs/prices.json)";
  auto document = nlohmann::json::parse(builtin_prices_json(), nullptr, false);
  if (document.is_discarded()) throw SetupError(origin + ": invalid JSON");
  JsonFields top(document, origin, "");
  policy::PriceTable table;
  top.optional("about");
  table.as_of = top.string("as_of");
  table.source = top.string("source");
  parse_prices(top.required("models"), origin, "models", table);
  top.reject_unknown_keys();
  return table;
}

policy::PolicyRules parse_route_policy(JsonFields& route_fields, const std::string& origin) {
  const auto* value = route_fields.optional("policy");
  if (value == nullptr) return {};
  JsonFields fields(*value, origin, route_fields.path_of("policy"));
  auto rules = parse_rules(fields);
  fields.reject_unknown_keys();
  return rules;
}

policy::PolicySettings parse_session_policy(JsonFields& top, const std::string& origin) {
  policy::PolicySettings settings;
  settings.prices = builtin_price_table();
  const auto* value = top.optional("policy");
  if (value == nullptr) return settings;
  JsonFields fields(*value, origin, "policy");
  settings.session = parse_rules(fields);
  settings.shared = parse_shared(fields, origin);
  if (fields.has("reservation_ttl_seconds"))
    settings.reservation_ttl = std::chrono::seconds(count_of(fields, "reservation_ttl_seconds"));
  if (const auto* prices = fields.optional("prices")) parse_prices(*prices, origin, "policy.prices", settings.prices);
  if (fields.has("bytes_per_input_token")) {
    settings.bytes_per_input_token = count_of(fields, "bytes_per_input_token");
    if (settings.bytes_per_input_token > 64) fields.fail("bytes_per_input_token", "at most 64");
  }
  if (fields.has("assumed_output_tokens")) settings.assumed_output_tokens = count_of(fields, "assumed_output_tokens");
  fields.reject_unknown_keys();
  return settings;
}

bool parse_usd(const std::string& text, std::int64_t& micro_usd) {
  auto dot = text.find('.');
  auto whole = text.substr(0, dot);
  auto fraction = dot == std::string::npos ? std::string() : text.substr(dot + 1);
  auto digits = [](const std::string& s) { return s.find_first_not_of("0123456789") == std::string::npos; };
  if (whole.empty() || whole.size() > 9 || !digits(whole) || !digits(fraction) || fraction.size() > 6 ||
      (dot != std::string::npos && fraction.empty()))
    return false;
  fraction.resize(6, '0');
  micro_usd = std::stoll(whole) * 1'000'000 + std::stoll(fraction);
  return true;
}

}  // namespace saferun::session
