#include "session/heap_tuning.h"

#include <malloc.h>

namespace saferun::session {

// Setting either fixes both (glibc stops adjusting them), so both are set.
void keep_freed_body_memory() {
  mallopt(M_MMAP_THRESHOLD, static_cast<int>(kLargestHeapBlock));
  mallopt(M_TRIM_THRESHOLD, static_cast<int>(kKeptFreeBytes));
}

}  // namespace saferun::session
