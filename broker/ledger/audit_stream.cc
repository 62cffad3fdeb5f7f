#include "broker/ledger/audit_stream.h"

namespace saferun::broker::ledger {

AuditStream::AuditStream(std::shared_ptr<RedisClient> client, std::string key, std::size_t max_len,
                         std::string session_id, std::size_t max_in_flight)
    : state_(std::make_shared<State>(State{std::move(client), std::move(key), std::to_string(max_len),
                                           std::move(session_id), max_in_flight, 0, {}})) {}

void AuditStream::append(const AuditEvent& event) {
  auto& state = *state_;
  if (state.in_flight >= state.max_in_flight) {
    ++state.stats.dropped;
    return;
  }
  auto line = to_json_line(event);
  line.pop_back();  // the trailing newline
  ++state.in_flight;
  // "~" lets Redis trim in whole macro-nodes: cheap, and the stream never holds much more
  // than max_len entries.
  state.client->command({"XADD", state.key, "MAXLEN", "~", state.max_len, "*", "session", state.session_id,
                         "event", std::move(line)},
                        [state = state_](RedisResult result) {
                          --state->in_flight;
                          bool ok = result.reached && result.reply.type == RedisReply::Type::string;
                          ++(ok ? state->stats.appended : state->stats.dropped);
                        });
}

}  // namespace saferun::broker::ledger
