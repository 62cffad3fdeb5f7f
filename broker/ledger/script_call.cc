#include "broker/ledger/script_call.h"

namespace saferun::broker::ledger {
namespace {

std::vector<std::string> eval_command(const char* verb, const std::string& script_or_sha,
                                      const std::vector<std::string>& args) {
  std::vector<std::string> command{verb, script_or_sha, "0"};
  command.insert(command.end(), args.begin(), args.end());
  return command;
}

}  // namespace

void run_script(const std::shared_ptr<RedisClient>& client, const LedgerScript& script, std::vector<std::string> args,
                RedisClient::Done done) {
  auto command = eval_command("EVALSHA", script.sha1, args);
  client->command(std::move(command), [client, &script, args = std::move(args),
                                       done = std::move(done)](RedisResult result) mutable {
    if (!(result.reached && result.reply.is_error() && result.reply.text.starts_with("NOSCRIPT")))
      return done(std::move(result));
    client->command(eval_command("EVAL", script.source, args), std::move(done));
  });
}

}  // namespace saferun::broker::ledger
