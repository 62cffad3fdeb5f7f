#pragma once
// The broker's public face, all the session knows of it: bind to 127.0.0.1:0, start serving
// on the caller's io_context, report, stop. Every route's secret and the caller token move in
// here and are wiped when the broker is destroyed.

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "broker/body/pre_forward.h"
#include "broker/broker_settings.h"
#include "broker/route.h"
#include "broker/secret.h"

namespace saferun::broker {

struct BrokerContext;
class Listener;

class Broker {
 public:
  Broker(boost::asio::io_context& io, std::vector<ActiveRoute> routes, Secret caller_token,
         BrokerSettings settings);
  ~Broker();
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  // Binds before the child is spawned so the port is known for its environment.
  // Throws std::system_error naming the step that failed.
  std::uint16_t bind_loopback();
  void start();
  // The policy's look at each forwarded body before it goes upstream (body/pre_forward.h).
  void set_pre_forward(PreForwardHook hook);
  // Closes the listening socket and every open connection; their handlers then finish.
  void stop();

  std::string base_url(const Route& route) const;
  BrokerStats stats() const;
  // The session's TTL has passed: every request is refused with 401 from now on.
  void expire();
  // Usage, cost and limits so far (policy::UsageTally::report()) and its one-line form.
  std::string usage_json() const;
  std::string usage_line() const;
  bool budget_exhausted() const;

 private:
  void batch_audit_writes();

  boost::asio::io_context::executor_type executor_;
  std::shared_ptr<BrokerContext> context_;
  std::shared_ptr<Listener> listener_;
};

}  // namespace saferun::broker
