#pragma once
// A secret value (provider key or caller token) held in memory that is locked against swap,
// excluded from core dumps, wiped in any forked child, and wiped again on destruction.

#include <cstddef>
#include <initializer_list>
#include <iosfwd>
#include <string_view>

namespace saferun::broker {

class Secret {
 public:
  Secret() = default;
  // Copies `value` into protected memory. The caller wipes its own copy.
  explicit Secret(std::string_view value);
  // The parts concatenated straight into protected memory (no transient copy in the heap).
  static Secret joined(std::initializer_list<std::string_view> parts);
  ~Secret();
  Secret(Secret&& other) noexcept;
  Secret& operator=(Secret&& other) noexcept;
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;

  // Deliberately explicit: there is no conversion to std::string.
  std::string_view reveal() const { return {data_, size_}; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // True once any Secret could not be mlock'ed (RLIMIT_MEMLOCK); the session warns once.
  static bool memory_lock_failed();

 private:
  void release() noexcept;
  char* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t mapped_ = 0;
};

// Writes "<redacted N bytes>": safe to use in logs and test messages.
std::ostream& operator<<(std::ostream& out, const Secret& secret);

// Overwrites a transient copy our code made (a header value being built).
void wipe(std::string& transient) noexcept;

}  // namespace saferun::broker
