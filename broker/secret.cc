#include "broker/secret.h"

#include <openssl/crypto.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <new>
#include <ostream>
#include <string>

namespace saferun::broker {
namespace {

std::atomic<bool> g_lock_failed{false};

std::size_t round_to_pages(std::size_t n) {
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return ((n + page - 1) / page) * page;
}

// Anonymous private mapping: never shared with a child (WIPEONFORK zero-fills it there),
// never written to a core file (DONTDUMP), never swapped when the lock succeeds.
char* map_protected(std::size_t bytes) {
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  ::madvise(p, bytes, MADV_DONTDUMP);
  ::madvise(p, bytes, MADV_WIPEONFORK);
  if (::mlock(p, bytes) != 0) g_lock_failed.store(true);
  return static_cast<char*>(p);
}

}  // namespace

Secret::Secret(std::string_view value) {
  if (value.empty()) return;
  mapped_ = round_to_pages(value.size());
  data_ = map_protected(mapped_);
  std::memcpy(data_, value.data(), value.size());
  size_ = value.size();
}

Secret Secret::joined(std::initializer_list<std::string_view> parts) {
  std::size_t total = 0;
  for (auto part : parts) total += part.size();
  Secret secret;
  if (total == 0) return secret;
  secret.mapped_ = round_to_pages(total);
  secret.data_ = map_protected(secret.mapped_);
  for (auto part : parts) {
    std::memcpy(secret.data_ + secret.size_, part.data(), part.size());
    secret.size_ += part.size();
  }
  return secret;
}

Secret::~Secret() { release(); }

Secret::Secret(Secret&& other) noexcept
    : data_(other.data_), size_(other.size_), mapped_(other.mapped_) {
  other.data_ = nullptr;
  other.size_ = other.mapped_ = 0;
}

Secret& Secret::operator=(Secret&& other) noexcept {
  if (this != &other) {
    release();
    data_ = other.data_;
    size_ = other.size_;
    mapped_ = other.mapped_;
    other.data_ = nullptr;
    other.size_ = other.mapped_ = 0;
  }
  return *this;
}

void Secret::release() noexcept {
  if (data_ == nullptr) return;
  OPENSSL_cleanse(data_, mapped_);
  ::munlock(data_, mapped_);
  ::munmap(data_, mapped_);
  data_ = nullptr;
  size_ = mapped_ = 0;
}

bool Secret::memory_lock_failed() { return g_lock_failed.load(); }

std::ostream& operator<<(std::ostream& out, const Secret& secret) {
  return out << "<redacted " << secret.size() << " bytes>";
}

void wipe(std::string& transient) noexcept {
  if (!transient.empty()) OPENSSL_cleanse(transient.data(), transient.size());
  transient.clear();
}

}  // namespace saferun::broker
