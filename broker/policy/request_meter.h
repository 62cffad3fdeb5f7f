#pragma once
// One forwarded request under the policy: the plan it was admitted with, the usage read from
// its answer, and its settlement — exactly once, whichever way the request ends (answered,
// cut mid-stream, client gone, upstream failed), at the latest when the meter is destroyed.
// What is settled: the usage the answer reported; when it reported none, the reservation's
// input part (a cut stream, an upstream failure), zero for a complete error answer (providers
// do not bill those), and the whole reservation for an answer it could not read (compressed).
//
// The HTTP exchange feeds it the answer's bytes; a WebSocket relay can feed it whole messages.

#include <memory>
#include <string>
#include <string_view>

#include "broker/policy/admission.h"
#include "broker/policy/usage_meter.h"

namespace saferun::broker::policy {

class SessionPolicy;

enum class Ending { answered, cut, failed };

class RequestMeter {
 public:
  RequestMeter(std::shared_ptr<SessionPolicy> policy, std::string route, std::string id, Plan&& plan);
  ~RequestMeter();
  RequestMeter(const RequestMeter&) = delete;
  RequestMeter& operator=(const RequestMeter&) = delete;

  const Plan& plan() const { return plan_; }
  const std::string& id() const { return id_; }
  const std::string& route() const { return route_; }
  bool body_edited() const { return plan_.body_edited; }
  std::vector<BodySplice> take_body_splices() { return std::move(plan_.body_splices); }

  // The answer's head arrived.
  void on_answer(int status, std::string_view content_type, std::string_view content_encoding);
  bool filters() const { return meter_.filters(); }
  void feed(std::string_view bytes) { meter_.feed(bytes); }
  void filter(std::string_view bytes, std::string& out) { meter_.filter(bytes, out); }
  void feed_message(std::string_view text) { meter_.feed_message(text); }
  void finish_body(std::string& out) { meter_.finish(out); }

  void end(Ending ending);
  bool ended() const { return ended_; }
  const Usage& settled_usage() const { return settled_; }
  std::int64_t cost_micro_usd() const { return cost_; }
  bool reserved = false;  // set by SessionPolicy::reserve once the ledger took it

 private:
  std::shared_ptr<SessionPolicy> policy_;
  std::string route_;
  std::string id_;
  Plan plan_;
  UsageMeter meter_;
  int status_ = 0;
  bool ended_ = false;
  Usage settled_;
  std::int64_t cost_ = 0;
};

}  // namespace saferun::broker::policy
