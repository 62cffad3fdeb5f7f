#pragma once
// The optional "store" of a config: a shared Redis store for a fleet of sessions (shared
// budgets and rate limits, one audit stream). Parsed and validated up front like the rest.
//
//   "store": {
//     "url": "rediss://redis.internal:6380/0",        redis://, rediss:// or unix:///path
//     "secret": {"env": "SAFE_RUN_STORE_PASSWORD"},   any secret source; omit for no AUTH
//     "ca_file": "/etc/ssl/internal-ca.pem",          rediss:// only, besides the system CAs
//     "prefix": "saferun",                            key namespace in the store
//     "timeout_ms": 500,                              deadline of every store call
//     "on_unavailable": "refuse",                     or "local": fall back to this session's
//                                                     own ledger while the store is down
//     "audit_stream": {"key": "saferun:audit", "max_len": 100000}
//   }

#include <chrono>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "broker/ledger/store_address.h"
#include "session/config.h"

namespace saferun::session {

struct StoreConfig {
  std::string url;
  broker::ledger::StoreAddress address;
  SecretSource secret;  // Kind::none: the store asks for no password
  std::string ca_file;
  std::string prefix = "saferun";
  std::chrono::milliseconds timeout{500};
  bool fallback_to_local = false;
  std::string audit_stream;  // "" = no stream
  std::size_t audit_max_len = 100000;
};

// `value` is the "store" member; errors are SetupError naming origin and JSON path ("store.url").
StoreConfig parse_store(const nlohmann::json& value, const std::string& origin);

}  // namespace saferun::session
