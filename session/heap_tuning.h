#pragma once
// How the session's process keeps the memory request bodies are read into.
//
// Claude Code sends 70 KB to 4 MB per turn; the broker allocates each body and frees it when
// the request ends. With glibc's defaults the freed memory at the heap's top is given back
// (brk) once it passes a threshold that tracks the largest recent block, and taken again by the
// next body — a page fault, and 4 KiB zeroed by the kernel, for each page touched: measured on
// POSTs at 16 connections, 42 faults per 1 MB body and 227 per 4 MB body. Kept instead, up to
// kKeptFreeBytes; every body up to kLargestHeapBlock (the default max_body_bytes; a larger
// configured limit gets larger bodies mapped as before) comes from the heap, never a mapping of
// its own (which is unmapped, and faulted in again, every time). Free memory below the heap's
// top is kept too, so the resident size stays near its peak after a burst of large bodies.

#include <cstddef>

namespace saferun::session {

inline constexpr std::size_t kKeptFreeBytes = 64u << 20;
inline constexpr std::size_t kLargestHeapBlock = 32u << 20;  // the broker's default max_body_bytes

// Process-wide; once, before the broker starts.
void keep_freed_body_memory();

}  // namespace saferun::session
