#include "broker/slot_fairness.h"

#include "broker/connection.h"

namespace saferun::broker {

bool reclaims_before(const SlotState& a, const SlotState& b) {
  if (a.use != b.use) return a.use < b.use;
  return a.since < b.since;
}

Connection* SlotFairness::pick_to_reclaim(const std::unordered_set<Connection*>& connections) {
  Connection* chosen = nullptr;
  SlotState best;
  for (auto* connection : connections) {
    auto state = connection->slot_state();
    if (state.use >= SlotUse::serving) continue;
    if (chosen == nullptr || reclaims_before(state, best)) {
      chosen = connection;
      best = state;
    }
  }
  return chosen;
}

}  // namespace saferun::broker
