#include "session/store_config.h"

#include "session/json_fields.h"
#include "session/route_parser.h"

namespace saferun::session {
namespace {

constexpr std::uint64_t kMaxTimeoutMs = 60000;

bool is_key_prefix(const std::string& prefix) {
  if (prefix.empty() || prefix.size() > 64) return false;
  for (char c : prefix) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != ':' && c != '.' && c != '{' &&
        c != '}')
      return false;
  }
  return true;
}

void parse_address(JsonFields& fields, StoreConfig& store) {
  store.url = fields.string("url");
  std::string problem;
  auto address = broker::ledger::parse_store_address(store.url, problem);
  if (!address) fields.fail("url", problem);
  store.address = *address;
}

void parse_tls(JsonFields& fields, StoreConfig& store) {
  if (!fields.has("ca_file")) return;
  if (store.address.kind != broker::ledger::StoreAddress::Kind::tls)
    fields.fail("ca_file", "only a rediss:// store has a CA file");
  store.ca_file = fields.string("ca_file");
  if (store.ca_file.empty() || store.ca_file.front() != '/') fields.fail("ca_file", "expected an absolute path");
}

void parse_behaviour(JsonFields& fields, StoreConfig& store) {
  if (fields.has("prefix")) {
    store.prefix = fields.string("prefix");
    if (!is_key_prefix(store.prefix)) fields.fail("prefix", "expected 1-64 of A-Z a-z 0-9 - _ : . { }");
  }
  if (fields.has("timeout_ms")) {
    auto ms = fields.positive_integer("timeout_ms");
    if (ms > kMaxTimeoutMs) fields.fail("timeout_ms", "at most 60000");
    store.timeout = std::chrono::milliseconds(ms);
  }
  if (fields.has("on_unavailable")) {
    auto choice = fields.string("on_unavailable");
    if (choice != "refuse" && choice != "local") fields.fail("on_unavailable", "expected \"refuse\" or \"local\"");
    store.fallback_to_local = choice == "local";
  }
}

void parse_audit_stream(JsonFields& fields, StoreConfig& store, const std::string& origin) {
  const auto* value = fields.optional("audit_stream");
  if (value == nullptr) return;
  JsonFields stream(*value, origin, fields.path_of("audit_stream"));
  store.audit_stream = stream.string("key");
  if (store.audit_stream.empty()) stream.fail("key", "expected a stream key");
  if (stream.has("max_len")) store.audit_max_len = stream.positive_integer("max_len");
  stream.reject_unknown_keys();
}

}  // namespace

StoreConfig parse_store(const nlohmann::json& value, const std::string& origin) {
  JsonFields fields(value, origin, "store");
  StoreConfig store;
  parse_address(fields, store);
  store.secret = parse_secret(fields, origin);
  if (!store.address.username.empty() && store.secret.kind == SecretSource::Kind::none)
    fields.fail("secret", "a store URL naming a user needs a secret source for its password");
  parse_tls(fields, store);
  parse_behaviour(fields, store);
  parse_audit_stream(fields, store, origin);
  fields.reject_unknown_keys();
  return store;
}

}  // namespace saferun::session
