#include "session/heap_tuning.h"

#include <malloc.h>

#include <algorithm>
#include <limits>

namespace saferun::session {

int kept_free_bytes_for(const broker::BrokerLimits& limits) {
  constexpr std::size_t kMostInt = std::numeric_limits<int>::max();
  return static_cast<int>(std::clamp(limits.max_body_bytes_in_flight, kLeastKeptFreeBytes, kMostInt));
}

// Setting either fixes both (glibc stops adjusting them), so both are set.
void keep_freed_body_memory(const broker::BrokerLimits& limits) {
  mallopt(M_MMAP_THRESHOLD, static_cast<int>(kLargestHeapBlock));
  mallopt(M_TRIM_THRESHOLD, kept_free_bytes_for(limits));
}

}  // namespace saferun::session
