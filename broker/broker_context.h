#pragma once
// State every connection of one broker shares. Lives on the session's single event-loop
// thread, so nothing here is locked.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <string_view>
#include <vector>

#include "broker/audit_log.h"
#include "broker/body/body_budget.h"
#include "broker/body/pre_forward.h"
#include "broker/broker_settings.h"
#include "broker/policy/session_policy.h"
#include "broker/route.h"
#include "broker/secret.h"
#include "broker/secret_redactor.h"
#include "broker/slot_fairness.h"
#include "broker/upstream_pool.h"

namespace saferun::broker {

class Connection;

struct BrokerContext {
  BrokerContext(std::vector<ActiveRoute> active_routes, Secret caller_token, BrokerSettings s)
      : routes(std::move(active_routes)),
        token(std::move(caller_token)),
        settings(std::move(s)),
        body_budget(std::make_shared<BodyBudget>(settings.limits.max_body_bytes_in_flight)) {}

  std::vector<ActiveRoute> routes;
  Secret token;
  BrokerSettings settings;
  AuditLog audit;
  BrokerStats stats;
  std::uint16_t port = 0;
  std::uint64_t next_request = 1;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::unordered_set<Connection*> connections;  // live ones, so stop() can close them
  std::function<void()> on_connection_closed;   // the listener resumes accepting
  SlotFairness slots;                           // who gives up a slot while clients wait
  std::unique_ptr<UpstreamPool> pool;           // proxy mode only
  std::shared_ptr<policy::SessionPolicy> policy;  // models, ceilings, limits, budgets, usage
  bool expired = false;                         // the session's TTL passed: the token no longer works
  std::shared_ptr<BodyBudget> body_budget;      // bounds request bodies held at once
  PreForwardHook pre_forward;                   // the policy's look at a body; empty = forward as is
  // Open WebSocket relays, each closing its two sockets when called (stop() calls them all).
  std::unordered_map<const void*, std::function<void()>> relay_closers;

  std::string base_url(const Route& route) const {
    return "http://127.0.0.1:" + std::to_string(port) + route.base_path;
  }
  // Every route's secret, for the SecretRedactors that mask them in what upstreams send back
  // (the routes are fixed for the broker's life: the list is made once).
  std::shared_ptr<const RedactionList> held_secrets() const { return redaction_list; }
  std::shared_ptr<const RedactionList> redaction_list = std::make_shared<const RedactionList>(secrets_of(routes));

  static std::vector<std::string_view> secrets_of(const std::vector<ActiveRoute>& routes) {
    std::vector<std::string_view> secrets;
    for (const auto& active : routes) secrets.push_back(active.secret.reveal());
    return secrets;
  }
};

}  // namespace saferun::broker
