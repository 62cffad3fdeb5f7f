#include "broker/ledger/ledger_scripts.h"

#include <openssl/sha.h>

#include <cstdio>

namespace saferun::broker::ledger {
namespace {

// Shared by the three scripts: the server's clock, window keys, and giving back expired holds.
constexpr const char* kPrelude = R"lua(
local P = ARGV[1]
local t = redis.call('TIME')
local now_s = tonumber(t[1])
local now_ms = now_s * 1000 + math.floor(tonumber(t[2]) / 1000)
local function num(x) return string.format('%d', x) end
local function used_key(c, len)
  if len == 0 then return P .. ':used:' .. c .. ':t' end
  return P .. ':used:' .. c .. ':' .. num(math.floor(now_s / len))
end
local function purge(c)
  local holds = P .. ':holds:' .. c
  local gone = redis.call('ZRANGEBYSCORE', holds, '-inf', now_ms)
  if #gone == 0 then return end
  local freed = 0
  for _, m in ipairs(gone) do freed = freed + tonumber(string.match(m, '^(%d+):')) end
  redis.call('ZREMRANGEBYSCORE', holds, '-inf', now_ms)
  redis.call('DECRBY', P .. ':held:' .. c, num(freed))
end
local function amount(key) return tonumber(redis.call('GET', key) or '0') end
)lua";

constexpr const char* kReserve = R"lua(
local id, hold_ms, record_ms = ARGV[2], tonumber(ARGV[3]), ARGV[4]
local record = P .. ':rsv:' .. id
if redis.call('EXISTS', record) == 1 then return {'ok', 'duplicate'} end
local draws = {}
for i = 5, #ARGV, 4 do
  local c, len, max, want = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3])
  purge(c)
  local taken = amount(used_key(c, len)) + amount(P .. ':held:' .. c)
  if taken + want > max then
    local retry = -1
    if len > 0 then retry = len - (now_s % len) end
    local left = max - taken
    if left < 0 then left = 0 end
    return {'refused', c, num(left), num(retry)}
  end
  draws[#draws + 1] = {c, ARGV[i + 1], ARGV[i + 3]}
end
for _, d in ipairs(draws) do
  redis.call('INCRBY', P .. ':held:' .. d[1], d[3])
  redis.call('ZADD', P .. ':holds:' .. d[1], num(now_ms + hold_ms), d[3] .. ':' .. id)
end
redis.call('SET', record, cjson.encode({s = 'open', d = draws}), 'PX', record_ms)
return {'ok'}
)lua";

constexpr const char* kSettle = R"lua(
local id, record_ms = ARGV[2], ARGV[3]
local record = P .. ':rsv:' .. id
local raw = redis.call('GET', record)
if not raw then
  -- A tombstone: a reserve with this id that arrives late (its caller gave up) holds nothing.
  redis.call('SET', record, cjson.encode({s = 'settled'}), 'PX', record_ms)
  return {'unknown'}
end
local r = cjson.decode(raw)
if r.s ~= 'open' then return {'settled'} end
local actual = {}
for i = 4, #ARGV, 2 do actual[ARGV[i]] = ARGV[i + 1] end
for _, d in ipairs(r.d) do
  local c, len, held = d[1], tonumber(d[2]), d[3]
  if redis.call('ZREM', P .. ':holds:' .. c, held .. ':' .. id) == 1 then
    redis.call('DECRBY', P .. ':held:' .. c, held)
  end
  local used = actual[c]
  if used and used ~= '0' then
    local key = used_key(c, len)
    redis.call('INCRBY', key, used)
    if len > 0 then redis.call('EXPIRE', key, num(2 * len)) end
  end
end
redis.call('SET', record, cjson.encode({s = 'settled'}), 'KEEPTTL')
return {'ok'}
)lua";

constexpr const char* kBalances = R"lua(
local out = {}
for i = 2, #ARGV, 2 do
  local c, len = ARGV[i], tonumber(ARGV[i + 1])
  purge(c)
  out[#out + 1] = num(amount(used_key(c, len)))
  out[#out + 1] = num(amount(P .. ':held:' .. c))
end
return out
)lua";

std::string sha1_hex(const std::string& text) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  std::string hex;
  char byte[3];
  for (unsigned char d : digest) {
    std::snprintf(byte, sizeof byte, "%02x", d);
    hex += byte;
  }
  return hex;
}

LedgerScript make_script(const char* body) {
  std::string source = std::string(kPrelude) + body;
  return LedgerScript{source, sha1_hex(source)};
}

}  // namespace

const LedgerScript& reserve_script() {
  static const LedgerScript script = make_script(kReserve);
  return script;
}

const LedgerScript& settle_script() {
  static const LedgerScript script = make_script(kSettle);
  return script;
}

const LedgerScript& balances_script() {
  static const LedgerScript script = make_script(kBalances);
  return script;
}

}  // namespace saferun::broker::ledger
