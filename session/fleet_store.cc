#include "session/fleet_store.h"

#include <optional>

#include "broker/ledger/redis_ledger.h"
#include "broker/ledger/split_ledger.h"
#include "session/secret_unlock.h"
#include "session/setup_error.h"

namespace saferun::session {
namespace {

broker::ledger::RedisClientOptions client_options(const StoreConfig& config, const std::string& session_dir) {
  broker::ledger::RedisClientOptions options;
  options.address = config.address;
  options.timeout = config.timeout;
  options.ca_file = config.ca_file;
  options.relay_socket = session_dir + "/store-tls.sock";
  return options;
}

}  // namespace

FleetStore::FleetStore(boost::asio::io_context& io, const StoreConfig& config, broker::Secret password,
                       const std::string& session_dir, const std::string& session_id, const Reporter& reporter)
    : timeout_(config.timeout), fallback_to_local_(config.fallback_to_local) {
  try {
    client_ = broker::ledger::RedisClient::create(io, client_options(config, session_dir), std::move(password));
  } catch (const std::exception& e) {
    throw SetupError("store " + config.address.display() + ": " + e.what());
  }
  check_reachable(io, config, reporter);
  ledger_ = std::make_shared<broker::ledger::RedisLedger>(client_, config.prefix);
  if (!config.audit_stream.empty())
    audit_ = std::make_shared<broker::ledger::AuditStream>(client_, config.audit_stream, config.audit_max_len,
                                                           session_id);
}

FleetStore::~FleetStore() {
  if (client_) client_->close();
}

// Runs the loop just for this answer: nothing else is on it yet (the broker is not serving
// and the child does not exist).
void FleetStore::check_reachable(boost::asio::io_context& io, const StoreConfig& config, const Reporter& reporter) {
  std::optional<broker::ledger::RedisResult> answer;
  client_->command({"PING"}, [&](broker::ledger::RedisResult result) { answer = std::move(result); });
  while (!answer && !io.stopped()) io.run_one();
  io.restart();
  auto where = "store " + config.address.display() + ": ";
  if (!answer) throw SetupError(where + "no answer");
  if (client_->auth_failed()) throw SetupError(where + client_->last_problem());
  if (answer->reached && answer->reply.is_text("PONG")) return;
  auto problem = answer->reached ? answer->reply.text.substr(0, 200) : answer->problem;
  if (!config.fallback_to_local) throw SetupError(where + problem);
  reporter.warning(where + problem + "; using this session's own limits until it answers (on_unavailable: local)");
}

std::function<void(const broker::AuditEvent&)> FleetStore::audit_mirror() const {
  if (!audit_) return {};
  return [audit = audit_](const broker::AuditEvent& event) { audit->append(event); };
}

std::function<std::unique_ptr<broker::policy::Ledger>(std::unique_ptr<broker::policy::Ledger>)>
FleetStore::ledger_wrapper() const {
  return [shared = ledger_, fallback = fallback_to_local_](std::unique_ptr<broker::policy::Ledger> local) {
    return std::unique_ptr<broker::policy::Ledger>(
        std::make_unique<broker::ledger::SplitLedger>(std::move(local), shared, fallback));
  };
}

void FleetStore::drain(boost::asio::io_context& io) const {
  if (!audit_ || audit_->in_flight() == 0) return;
  io.restart();
  auto deadline = std::chrono::steady_clock::now() + timeout_;
  while (audit_->in_flight() > 0 && std::chrono::steady_clock::now() < deadline)
    io.run_one_for(std::chrono::milliseconds(10));
}

broker::ledger::AuditStreamStats FleetStore::audit_stats() const { return audit_ ? audit_->stats() : broker::ledger::AuditStreamStats{}; }

}  // namespace saferun::session
