#pragma once
// The Lua scripts that make reserve, settle and balances atomic on the store, and their SHA-1
// (for EVALSHA). All time comes from the server (TIME), so sessions on machines whose clocks
// disagree still share one window.
//
// Keys, under a prefix P (config "prefix", default "saferun"):
//   P:used:<counter>:<window index>  settled amount in that fixed window ("t" for total);
//                                    windowed keys expire two windows later
//   P:held:<counter>                 what open reservations hold
//   P:holds:<counter>                sorted set of "<amount>:<id>" by expiry (ms); an expired
//                                    member is given back by the next script touching the counter
//   P:rsv:<id>                       the reservation record (its draws, then "settled"), kept
//                                    for the record ttl so that a retried settle is a no-op
//
// Amounts travel as decimal strings and are exact below 2^53 (Lua numbers are doubles).

#include <string>

namespace saferun::broker::ledger {

struct LedgerScript {
  std::string source;
  std::string sha1;  // hex, as EVALSHA wants it
};

// ARGV: P, id, hold ms, record ms, then per counter: key, window seconds (0 = total), max, amount.
// Returns {"ok"} | {"ok","duplicate"} | {"refused", key, remaining, retry seconds or -1}.
const LedgerScript& reserve_script();

// ARGV: P, id, record ms, then per counter: key, actual amount.
// Returns {"ok"} | {"settled"} (already) | {"unknown"} (never reserved, or long gone).
const LedgerScript& settle_script();

// ARGV: P, then per counter: key, window seconds. Returns {used, held, used, held, ...}.
const LedgerScript& balances_script();

}  // namespace saferun::broker::ledger
