#pragma once
// What tokens cost, per model, in integer micro-USD per million tokens (so $3.00 / MTok is
// 3'000'000), and the arithmetic of a request's cost in integer micro-USD, rounded up so that
// a budget is never under-charged by rounding. Keys are model-name patterns
// (model_rule.h); the most specific (longest) matching pattern wins, an exact name first.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "broker/policy/usage.h"

namespace saferun::broker::policy {

struct Price {
  std::int64_t input = 0;        // micro-USD per million uncached input tokens
  std::int64_t output = 0;
  std::int64_t cache_write = 0;
  std::int64_t cache_read = 0;
  std::optional<std::int64_t> web_search;  // micro-USD per 1,000 hosted web searches; none = not priced
};

class PriceTable {
 public:
  void set(std::string pattern, Price price);
  // The price for `model`, or nullptr when no pattern matches (never "free").
  const Price* find(std::string_view model) const;

  std::string source;  // where the shipped table's numbers came from
  std::string as_of;   // its date

 private:
  // A pattern with wildcards, and how many of its bytes come before the first: most patterns
  // are a model family's name and a '*', told from a model of another family at its first byte.
  struct Wildcard {
    std::string pattern;
    std::size_t head = 0;
    Price price;
    bool matches(std::string_view model) const;
  };

  std::map<std::string, Price, std::less<>> prices_;
  // Bit min(length, 63) set for the length of every name in prices_: a model as long as no
  // name (a dated model id, against family patterns) skips the map's string compares.
  std::uint64_t name_lengths_ = 0;
  // The patterns with wildcards, longest first (equal lengths in name order), so the first
  // that matches is the most specific: looked up per request without walking the map.
  std::vector<Wildcard> wildcards_;
};

// The cost of `usage`, rounded up to the next micro-USD (web searches at no price cost nothing:
// the policy refuses a request that may search at a model without one).
std::int64_t cost_micro_usd(const Usage& usage, const Price& price);

// The most `input_tokens` + `output_tokens` + `web_searches` can cost: every input token at the
// dearer of the input and cache-write prices.
std::int64_t worst_case_micro_usd(std::int64_t input_tokens, std::int64_t output_tokens, const Price& price,
                                  std::int64_t web_searches = 0);

// "$1.234567" for reports.
std::string format_usd(std::int64_t micro_usd);

}  // namespace saferun::broker::policy
