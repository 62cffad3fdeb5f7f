#pragma once
// The memory a parsed HTTP head's fields live in, reused from one request to the next.
//
// A head's FlatFields (broker/flat_fields.h) hold its text in one string and an index of its
// fields in one vector; allocated from the heap, each head would cost a few malloc/free pairs,
// and at a few hundred connections more, since glibc's per-size caches hold only seven
// chunks. A HeadArena hands them out from one block it owns, by bumping an offset; freeing
// counts down, and when the last allocation of a head is freed (the parser is replaced for the
// next request) the block is reused from its start. A head larger than the block takes the
// rest from the heap. One event loop: no locking.
//
// Under AddressSanitizer the unused part of the block is poisoned, so a field read after its
// head was let go is reported as it would be on the heap.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <new>

#if defined(__SANITIZE_ADDRESS__)
#define SAFE_RUN_HEAD_ARENA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)  // clang's spelling
#define SAFE_RUN_HEAD_ARENA_ASAN 1
#endif
#endif

#if defined(SAFE_RUN_HEAD_ARENA_ASAN)
#include <sanitizer/asan_interface.h>
#define SAFE_RUN_HEAD_ARENA_POISON(address, size) ASAN_POISON_MEMORY_REGION(address, size)
#define SAFE_RUN_HEAD_ARENA_UNPOISON(address, size) ASAN_UNPOISON_MEMORY_REGION(address, size)
#else
#define SAFE_RUN_HEAD_ARENA_POISON(address, size) ((void)(address), (void)(size))
#define SAFE_RUN_HEAD_ARENA_UNPOISON(address, size) ((void)(address), (void)(size))
#endif

namespace saferun::broker {

class HeadArena {
 public:
  // An agent's request head, or a provider's answer head, fits: FlatFields reserve 2 KB of
  // text and 32 index entries of 16 bytes up front.
  static constexpr std::size_t kBytes = 4096;

  HeadArena() { SAFE_RUN_HEAD_ARENA_POISON(block_, kBytes); }
  ~HeadArena() { SAFE_RUN_HEAD_ARENA_UNPOISON(block_, kBytes); }
  HeadArena(const HeadArena&) = delete;
  HeadArena& operator=(const HeadArena&) = delete;

  void* allocate(std::size_t bytes) {
    const std::size_t start = (used_ + kAlign - 1) & ~(kAlign - 1);
    // Past the block (a full block leaves no address inside it, even for 0 bytes): the heap.
    if (start >= kBytes || bytes > kBytes - start) return ::operator new(bytes);
    used_ = start + bytes;
    ++live_;
    SAFE_RUN_HEAD_ARENA_UNPOISON(block_ + start, bytes);
    return block_ + start;
  }

  void deallocate(void* pointer, std::size_t bytes) noexcept {
    if (!owns(pointer)) return ::operator delete(pointer, bytes);
    SAFE_RUN_HEAD_ARENA_POISON(pointer, bytes);
    if (--live_ == 0) used_ = 0;
  }

  // Whether `pointer` is in the block (rather than from the heap).
  bool owns(const void* pointer) const {
    const auto at = reinterpret_cast<std::uintptr_t>(pointer);  // unrelated pointers compared as integers
    const auto first = reinterpret_cast<std::uintptr_t>(block_);
    return at >= first && at - first < kBytes;
  }

  // Bytes of the block in use; 0 once every field handed out was freed.
  std::size_t used() const { return used_; }
  std::size_t live() const { return live_; }

 private:
  static constexpr std::size_t kAlign = alignof(std::max_align_t);

  alignas(kAlign) std::byte block_[kBytes];
  std::size_t used_ = 0;
  std::size_t live_ = 0;  // allocations from the block not yet freed
};

// The standard allocator interface over a HeadArena, as the containers of FlatFields take it.
// Made without an arena (a head built outside a connection: tests, a copy kept longer) it is
// the heap.
template <class T>
class HeadAllocator {
 public:
  using value_type = T;

  HeadAllocator() noexcept = default;
  explicit HeadAllocator(HeadArena& arena) noexcept : arena_(&arena) {}
  template <class U>
  HeadAllocator(const HeadAllocator<U>& other) noexcept : arena_(other.arena()) {}

  T* allocate(std::size_t n) {
    static_assert(alignof(T) <= alignof(std::max_align_t));
    if (n > std::numeric_limits<std::size_t>::max() / sizeof(T)) throw std::bad_array_new_length();
    if (arena_ == nullptr) return static_cast<T*>(::operator new(n * sizeof(T)));
    return static_cast<T*>(arena_->allocate(n * sizeof(T)));
  }
  void deallocate(T* pointer, std::size_t n) noexcept {
    if (arena_ == nullptr) return ::operator delete(pointer, n * sizeof(T));
    arena_->deallocate(pointer, n * sizeof(T));
  }

  HeadArena* arena() const noexcept { return arena_; }
  template <class U>
  bool operator==(const HeadAllocator<U>& other) const noexcept {
    return arena_ == other.arena();
  }

 private:
  HeadArena* arena_ = nullptr;
};

}  // namespace saferun::broker
