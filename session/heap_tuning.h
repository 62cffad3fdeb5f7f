#pragma once
// How the session's process keeps the memory request bodies are read into.
//
// Claude Code sends 70 KB to 4 MB per turn; the broker allocates each body and frees it when
// the request ends. With glibc's defaults the freed memory at the heap's top is given back
// (brk) once it passes a threshold that tracks the largest recent block, and taken again by the
// next body — a page fault, and 4 KiB zeroed by the kernel, for each page touched: measured on
// POSTs at 16 connections, 42 faults per 1 MB body and 227 per 4 MB body. Kept instead: every
// body up to kLargestHeapBlock (the default max_body_bytes; a larger configured limit gets
// larger bodies mapped as before) comes from the heap, never a mapping of its own (which is
// unmapped, and faulted in again, every time), and free memory at the heap's top is given back
// only past the bound on bodies held at once (max_body_bytes_in_flight, at least
// kLeastKeptFreeBytes). A smaller threshold is crossed by bodies churning within the bound: with
// 64 MiB, 256 connections posting 1 MB bodies after a burst of 76 KB ones moved the heap's top
// ~150 times a second (brk), 90–155 faults per request, a sixth to a third of the throughput.
// Free memory below the top is kept too, so the resident size stays near its peak after a
// burst of large bodies — at most about the bound, plus each connection's buffers.

#include <cstddef>

#include "broker/broker_settings.h"

namespace saferun::session {

inline constexpr std::size_t kLeastKeptFreeBytes = 64u << 20;
inline constexpr std::size_t kLargestHeapBlock = 32u << 20;  // the broker's default max_body_bytes

// The free bytes kept at the heap's top (M_TRIM_THRESHOLD) for these limits.
int kept_free_bytes_for(const broker::BrokerLimits& limits);

// Process-wide; once, before the broker starts.
void keep_freed_body_memory(const broker::BrokerLimits& limits);

}  // namespace saferun::session
