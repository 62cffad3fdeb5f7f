#include "broker/broker.h"

#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>
#include <vector>

#include "broker/broker_context.h"
#include "broker/connection.h"
#include "broker/fd_limit.h"
#include "broker/listener.h"
#include "broker/policy/in_process_ledger.h"
#include "broker/upstream_request.h"

namespace saferun::broker {

Broker::Broker(boost::asio::io_context& io, std::vector<ActiveRoute> routes, Secret caller_token,
               BrokerSettings settings)
    : executor_(io.get_executor()),
      context_(std::make_shared<BrokerContext>(std::move(routes), std::move(caller_token),
                                               std::move(settings))),
      listener_(std::make_shared<Listener>(io, context_)) {
  std::vector<policy::RouteRules> route_rules;
  for (const auto& active : context_->routes) route_rules.push_back({active.route.name, active.route.policy});
  std::unique_ptr<policy::Ledger> ledger = std::make_unique<policy::InProcessLedger>(io.get_executor());
  if (context_->settings.wrap_ledger) ledger = context_->settings.wrap_ledger(std::move(ledger));
  context_->policy = std::make_shared<policy::SessionPolicy>(context_->settings.policy, std::move(route_rules),
                                                             context_->settings.session_id, std::move(ledger));
  if (context_->settings.dry_run) return;
  for (auto& active : context_->routes)
    if (!active.secret.empty()) active.credential_line = credential_line(active.route, active.secret);
  context_->pool =
      std::make_unique<UpstreamPool>(io, context_->routes, context_->settings.limits.connect_timeout);
}

Broker::~Broker() { stop(); }

std::uint16_t Broker::bind_loopback() {
  auto& limits = context_->settings.limits;
  limits.max_connections = connections_that_fit(limits.max_connections, raise_fd_limit());
  context_->port = listener_->bind_loopback();
  if (!context_->settings.audit_path.empty())
    context_->audit = AuditLog(context_->settings.audit_path);
  if (!context_->settings.persistent_audit_path.empty())
    context_->audit.also_append_to(context_->settings.persistent_audit_path);
  context_->audit.mirror_to(context_->settings.audit_mirror);
  batch_audit_writes();
  return context_->port;
}

// One write per kFlushDelay instead of one per request. The timer holds only a weak reference:
// a context already gone flushed its lines when its AuditLog was destroyed.
void Broker::batch_audit_writes() {
  context_->audit.flush_later([executor = executor_, weak = std::weak_ptr<BrokerContext>(context_)] {
    auto timer = std::make_shared<boost::asio::steady_timer>(executor, AuditLog::kFlushDelay);
    timer->async_wait([timer, weak](boost::system::error_code) {
      if (auto context = weak.lock()) context->audit.flush();
    });
  });
}

void Broker::start() { listener_->start(); }

void Broker::set_pre_forward(PreForwardHook hook) { context_->pre_forward = std::move(hook); }

void Broker::stop() {
  listener_->stop();
  std::vector<Connection*> open(context_->connections.begin(), context_->connections.end());
  for (auto* connection : open) connection->close("the session ended before the answer");
  context_->body_budget->cancel_waiting();  // their callbacks hold connections alive
  auto relays = context_->relay_closers;  // a closer may erase itself
  for (auto& [relay, close] : relays) close();
  if (context_->pool) context_->pool->clear();
  context_->audit.flush();  // the closes above recorded their requests
  // Records that come later (relays finishing, turns settled as the loop winds down) are
  // written at once: no timer would run for them on a stopped loop.
  context_->audit.flush_later(nullptr);
}

std::string Broker::base_url(const Route& route) const { return context_->base_url(route); }

void Broker::expire() { context_->expired = true; }

// A model name is client bytes: not always UTF-8.
std::string Broker::usage_json() const {
  return context_->policy->report().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string Broker::usage_line() const { return context_->policy->summary_line(); }
bool Broker::budget_exhausted() const { return context_->policy->budget_exhausted(); }

BrokerStats Broker::stats() const {
  BrokerStats stats = context_->stats;
  if (context_->pool) {
    stats.upstream_connects = context_->pool->connects();
    stats.upstream_handshakes = context_->pool->handshakes();
  }
  return stats;
}

}  // namespace saferun::broker
