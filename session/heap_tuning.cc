#include "session/heap_tuning.h"

#include <malloc.h>

#include <algorithm>
#include <limits>

namespace saferun::session {

HeapThresholds heap_thresholds_for(const broker::BrokerLimits& limits) {
  constexpr std::size_t kMostInt = std::numeric_limits<int>::max();
  const std::size_t kept = std::clamp(limits.max_body_bytes_in_flight, kLeastKeptFreeBytes, kMostInt);
  return {static_cast<int>(kLargestHeapBlock), static_cast<int>(kept)};
}

// Setting either fixes both (glibc stops adjusting them), so both are set.
void keep_freed_body_memory(const broker::BrokerLimits& limits) {
  const auto thresholds = heap_thresholds_for(limits);
  mallopt(M_MMAP_THRESHOLD, thresholds.largest_heap_block);
  mallopt(M_TRIM_THRESHOLD, thresholds.kept_free_bytes);
}

}  // namespace saferun::session
