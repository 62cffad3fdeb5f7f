#include "broker/policy/usage_tally.h"

#include <nlohmann/json.hpp>

#include "broker/policy/admission.h"
#include "broker/policy/prices.h"

namespace saferun::broker::policy {
namespace {

std::string_view unit_name(Unit unit) {
  switch (unit) {
    case Unit::micro_usd: return "micro_usd";
    case Unit::input_tokens: return "input_tokens";
    case Unit::output_tokens: return "output_tokens";
    case Unit::tokens: return "tokens";
    case Unit::requests: return "requests";
    case Unit::concurrent: return "concurrent";
  }
  return "";
}

std::string_view window_name(Window window) {
  switch (window) {
    case Window::total: return "total";
    case Window::per_minute: return "minute";
    case Window::per_hour: return "hour";
    case Window::per_day: return "day";
  }
  return "";
}

}  // namespace

nlohmann::json usage_json(const Usage& u) {
  return {{"input_tokens", u.input},       {"output_tokens", u.output},      {"cache_write_tokens", u.cache_write},
          {"cache_read_tokens", u.cache_read}, {"reasoning_tokens", u.reasoning}};
}

void UsageTally::define(const std::vector<Counter>& counters) {
  for (const auto& counter : counters) limits_.push_back({counter, 0, 0});
}

void UsageTally::add(const std::string& route, const std::string& model, const Usage& usage, std::int64_t cost,
                     bool priced) {
  // Distinct models are bounded by what a session is shown: past kMaxRows, new ones share a row.
  std::pair<std::string, std::string> key{route, model};
  if (spend_.size() >= kMaxRows && !spend_.count(key)) key.second = std::string(kOtherModels);
  auto& spend = spend_[key];
  spend.requests += 1;
  spend.usage += usage;
  spend.cost_micro_usd += cost;
  if (!priced) spend.unpriced_requests += 1;
}

void UsageTally::reserved(const std::vector<Draw>& draws, int sign) {
  for (const auto& draw : draws)
    for (auto& balance : limits_)
      if (balance.counter.key == draw.counter) balance.reserved += sign * draw.amount;
}

// Windowed counters are shown as session totals here; the ledger alone knows the window.
void UsageTally::used(const std::vector<Draw>& draws) {
  for (const auto& draw : draws)
    for (auto& balance : limits_)
      if (balance.counter.key == draw.counter) balance.used += draw.amount;
}

Spend UsageTally::total() const {
  Spend sum;
  for (const auto& [key, spend] : spend_) {
    sum.requests += spend.requests;
    sum.usage += spend.usage;
    sum.cost_micro_usd += spend.cost_micro_usd;
    sum.unpriced_requests += spend.unpriced_requests;
  }
  return sum;
}

nlohmann::json UsageTally::report() const {
  auto spend_json = [](const Spend& s) {
    return nlohmann::json{{"requests", s.requests},
                          {"tokens", usage_json(s.usage)},
                          {"cost_usd", static_cast<double>(s.cost_micro_usd) / 1e6},
                          {"cost_micro_usd", s.cost_micro_usd},
                          {"unpriced_requests", s.unpriced_requests}};
  };
  auto rows = nlohmann::json::array();
  for (const auto& [key, spend] : spend_) {
    auto row = spend_json(spend);
    row["route"] = key.first;
    row["model"] = key.second;
    rows.push_back(std::move(row));
  }
  auto limits = nlohmann::json::array();
  for (const auto& b : limits_) {
    if (b.counter.unit == Unit::concurrent) {
      limits.push_back({{"counter", b.counter.key}, {"unit", "concurrent"}, {"max", b.counter.max},
                        {"in_flight", b.reserved}});
      continue;
    }
    limits.push_back({{"counter", b.counter.key}, {"unit", unit_name(b.counter.unit)},
                      {"window", window_name(b.counter.window)}, {"max", b.counter.max}, {"used", b.used},
                      {"reserved", b.reserved}, {"left", b.counter.max - b.used - b.reserved}});
  }
  return {{"by_route_model", std::move(rows)}, {"total", spend_json(total())}, {"limits", std::move(limits)},
          {"budget_exhausted", budget_exhausted_}};
}

std::string UsageTally::line() const {
  auto sum = total();
  std::string text = "usage: " + std::to_string(sum.requests) + " metered request(s), " +
                     std::to_string(sum.usage.all_input()) + " in + " + std::to_string(sum.usage.output) +
                     " out tokens, " + format_usd(sum.cost_micro_usd);
  if (sum.unpriced_requests > 0) text += " (+" + std::to_string(sum.unpriced_requests) + " unpriced)";
  for (const auto& b : limits_) {
    if (b.counter.unit == Unit::micro_usd && b.counter.window == Window::total)
      text += "; budget " + format_usd(b.counter.max - b.used - b.reserved) + " of " + format_usd(b.counter.max) +
              " left";
  }
  if (budget_exhausted_) text += "; budget exhausted";
  return text;
}

}  // namespace saferun::broker::policy
