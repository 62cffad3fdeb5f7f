#include "broker/policy/prices.h"

#include <algorithm>
#include <cstdio>

#include "broker/policy/model_rule.h"

namespace saferun::broker::policy {
namespace {

__extension__ typedef __int128 Wide;  // a product of tokens and price never overflows
constexpr std::int64_t kPerMillion = 1'000'000;
constexpr std::int64_t kSearchesPerPrice = 1'000;  // web searches are priced per thousand

// `searches` at `price`, in the per-million units the token sums use.
Wide searches_cost(std::int64_t searches, const Price& price) {
  return static_cast<Wide>(searches) * price.web_search.value_or(0) * (kPerMillion / kSearchesPerPrice);
}

std::int64_t divide_rounding_up(Wide amount) {
  if (amount <= 0) return 0;
  Wide result = (amount + kPerMillion - 1) / kPerMillion;
  return result > INT64_MAX ? INT64_MAX : static_cast<std::int64_t>(result);
}

// A length's bit in PriceTable::name_lengths_.
std::uint64_t length_bit(std::size_t length) { return std::uint64_t{1} << std::min<std::size_t>(length, 63); }

}  // namespace

void PriceTable::set(std::string pattern, Price price) {
  name_lengths_ |= length_bit(pattern.size());
  prices_[std::move(pattern)] = price;
  wildcards_.clear();
  for (const auto& [name, entry] : prices_) {
    auto head = name.find_first_of("*?");
    if (head != std::string::npos) wildcards_.push_back({name, head, entry});
  }
  std::stable_sort(wildcards_.begin(), wildcards_.end(),
                   [](const auto& a, const auto& b) { return a.pattern.size() > b.pattern.size(); });
}

// As matches_pattern(pattern, model): the head is literal, so it must begin the model, and the
// rest of the pattern must match the rest of the model ("*" matches any).
bool PriceTable::Wildcard::matches(std::string_view model) const {
  const std::string_view literal(pattern.data(), head);
  if (head > 0 && (model.size() < head || model[0] != literal[0] || model.substr(0, head) != literal)) return false;
  const std::string_view rest = std::string_view(pattern).substr(head);
  return rest == "*" || matches_pattern(rest, model.substr(head));
}

const Price* PriceTable::find(std::string_view model) const {
  if (model.empty()) return nullptr;
  if (name_lengths_ & length_bit(model.size()))
    if (auto exact = prices_.find(model); exact != prices_.end()) return &exact->second;
  for (const auto& wildcard : wildcards_)
    if (wildcard.matches(model)) return &wildcard.price;
  return nullptr;
}

std::int64_t cost_micro_usd(const Usage& usage, const Price& price) {
  Wide sum = static_cast<Wide>(usage.input) * price.input +
                 static_cast<Wide>(usage.output) * price.output +
                 static_cast<Wide>(usage.cache_write) * price.cache_write +
                 static_cast<Wide>(usage.cache_read) * price.cache_read + searches_cost(usage.web_searches, price);
  return divide_rounding_up(sum);
}

std::int64_t worst_case_micro_usd(std::int64_t input_tokens, std::int64_t output_tokens, const Price& price,
                                  std::int64_t web_searches) {
  Wide sum = static_cast<Wide>(input_tokens) * std::max(price.input, price.cache_write) +
                 static_cast<Wide>(output_tokens) * price.output + searches_cost(web_searches, price);
  return divide_rounding_up(sum);
}

std::string format_usd(std::int64_t micro_usd) {
  char text[40];
  const char* sign = micro_usd < 0 ? "-" : "";
  auto magnitude = micro_usd < 0 ? -micro_usd : micro_usd;
  std::snprintf(text, sizeof text, "%s$%lld.%06lld", sign, static_cast<long long>(magnitude / kPerMillion),
                static_cast<long long>(magnitude % kPerMillion));
  return text;
}

}  // namespace saferun::broker::policy
