#pragma once
// configs/prices.json as built into safe-run.

#include <string_view>

namespace saferun::session {

std::string_view builtin_prices_json();

}  // namespace saferun::session
