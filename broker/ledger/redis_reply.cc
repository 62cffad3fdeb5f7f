#include "broker/ledger/redis_reply.h"

#include <hiredis/hiredis.h>

namespace saferun::broker::ledger {

RedisReply copy_reply(const redisReply& reply) {
  RedisReply copy;
  switch (reply.type) {
    case REDIS_REPLY_INTEGER:
      copy.type = RedisReply::Type::integer;
      copy.integer = reply.integer;
      break;
    case REDIS_REPLY_STRING:
      copy.type = RedisReply::Type::string;
      copy.text.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_STATUS:
      copy.type = RedisReply::Type::status;
      copy.text.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_ERROR:
      copy.type = RedisReply::Type::error;
      copy.text.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_ARRAY:
      copy.type = RedisReply::Type::array;
      for (std::size_t i = 0; i < reply.elements; ++i) copy.elements.push_back(copy_reply(*reply.element[i]));
      break;
    default: break;
  }
  return copy;
}

}  // namespace saferun::broker::ledger
