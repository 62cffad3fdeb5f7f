#pragma once
// One Redis answer as a value, copied out of hiredis's reply so it outlives the callback, and
// the outcome of one command: answered (any reply, an error reply included) or not reached.

#include <cstdint>
#include <string>
#include <vector>

struct redisReply;

namespace saferun::broker::ledger {

struct RedisReply {
  enum class Type { nil, integer, string, status, error, array };
  Type type = Type::nil;
  std::int64_t integer = 0;
  std::string text;  // string, status, error
  std::vector<RedisReply> elements;

  bool is_error() const { return type == Type::error; }
  // "OK"-like checks without caring whether it came as a status or a bulk string.
  bool is_text(std::string_view expected) const {
    return (type == Type::string || type == Type::status) && text == expected;
  }
};

RedisReply copy_reply(const redisReply& reply);

struct RedisResult {
  bool reached = false;  // false: not connected, timed out, connection lost
  std::string problem;   // why not reached; never holds a command argument
  RedisReply reply;
};

}  // namespace saferun::broker::ledger
