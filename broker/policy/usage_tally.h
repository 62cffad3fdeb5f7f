#pragma once
// What a session spent, per route and model, and where each of its limits stands: the
// numbers behind the summary line, --summary-json and GET /_safe-run/status.

#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "broker/policy/ledger.h"
#include "broker/policy/usage.h"

namespace saferun::broker::policy {

struct Spend {
  std::uint64_t requests = 0;
  Usage usage;
  std::int64_t cost_micro_usd = 0;
  std::uint64_t unpriced_requests = 0;  // requests whose model the price table does not list
};

class UsageTally {
 public:
  void define(const std::vector<Counter>& counters);
  void add(const std::string& route, const std::string& model, const Usage& usage, std::int64_t cost, bool priced);
  void reserved(const std::vector<Draw>& draws, int sign);  // +1 on reserve, -1 on settle
  void used(const std::vector<Draw>& draws);
  void refused_by_budget() { budget_exhausted_ = true; }

  Spend total() const;
  bool budget_exhausted() const { return budget_exhausted_; }
  // {"by_route_model":[...],"total":{...},"limits":[...],"budget_exhausted":bool}
  nlohmann::json report() const;
  // "usage: 3 requests, 120 in + 40 out tokens, $0.000840; budget $4.999160 left"
  std::string line() const;

 private:
  static constexpr std::size_t kMaxRows = 1000;
  static constexpr std::string_view kOtherModels = "(other models)";
  std::map<std::pair<std::string, std::string>, Spend> spend_;
  std::vector<Balance> limits_;
  bool budget_exhausted_ = false;
};

nlohmann::json usage_json(const Usage& usage);

}  // namespace saferun::broker::policy
