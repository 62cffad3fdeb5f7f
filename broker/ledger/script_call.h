#pragma once
// Runs one of the ledger's Lua scripts: EVALSHA first (only the hash travels), and EVAL with
// the source when the server does not know it yet (NOSCRIPT: a new or restarted server, or
// SCRIPT FLUSH), which also caches it there for the next EVALSHA.

#include <memory>
#include <string>
#include <vector>

#include "broker/ledger/ledger_scripts.h"
#include "broker/ledger/redis_client.h"

namespace saferun::broker::ledger {

// `args` are the script's ARGV (no KEYS). `done` as RedisClient::command's.
void run_script(const std::shared_ptr<RedisClient>& client, const LedgerScript& script, std::vector<std::string> args,
                RedisClient::Done done);

}  // namespace saferun::broker::ledger
