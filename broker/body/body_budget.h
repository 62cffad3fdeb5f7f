#pragma once
// The broker-wide bound on memory held by request bodies in flight. A request reserves its
// body's size before a byte of it is read and gives it back when the body is freed (once the
// upstream has started answering, or the request ended); while the budget is spent, later
// requests wait in arrival order — their bytes stay in the kernel's socket buffers — rather
// than fail. So the bytes of request bodies held by one broker never exceed `capacity`.
// Single-threaded: lives on the session's event loop.

#include <algorithm>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>

namespace saferun::broker {

class BodyBudget;

// Bytes reserved from a BodyBudget; given back when destroyed (or release()d). Move-only.
class BodyReservation {
 public:
  BodyReservation() = default;
  BodyReservation(std::shared_ptr<BodyBudget> budget, std::size_t bytes) : budget_(std::move(budget)), bytes_(bytes) {}
  ~BodyReservation() { release(); }
  BodyReservation(BodyReservation&& other) noexcept;
  BodyReservation& operator=(BodyReservation&& other) noexcept;
  BodyReservation(const BodyReservation&) = delete;
  BodyReservation& operator=(const BodyReservation&) = delete;

  std::size_t bytes() const { return bytes_; }
  // Gives back what is reserved beyond `bytes` (a chunked body, reserved at the limit, that
  // turned out smaller).
  void shrink_to(std::size_t bytes);
  void release();

 private:
  std::shared_ptr<BodyBudget> budget_;
  std::size_t bytes_ = 0;
};

class BodyBudget : public std::enable_shared_from_this<BodyBudget> {
 public:
  using Granted = std::function<void(BodyReservation)>;

  explicit BodyBudget(std::size_t capacity) : capacity_(capacity) {}

  // Calls `granted` with a reservation of `bytes` — at once when they fit and nobody waits
  // before us, else later from release(), in FIFO order. `bytes` above capacity are clamped to
  // it (the per-request body limit is checked elsewhere). `granted` must not call back in.
  // A template so that the common case, granted at once, makes no std::function (a heap block).
  template <class F>
  void reserve(std::size_t bytes, F&& granted) {
    bytes = std::min(bytes, capacity_);
    if (waiting_.empty() && in_use_ + bytes <= capacity_) return granted(take(bytes));
    waiting_.push_back({bytes, Granted(std::forward<F>(granted))});
  }
  // Drops every waiting request's callback (the broker is stopping).
  void cancel_waiting() { waiting_.clear(); }

  std::size_t capacity() const { return capacity_; }
  std::size_t in_use() const { return in_use_; }
  std::size_t waiting() const { return waiting_.size(); }

 private:
  friend class BodyReservation;
  BodyReservation take(std::size_t bytes);
  void give_back(std::size_t bytes);

  struct Waiter {
    std::size_t bytes;
    Granted granted;
  };
  std::size_t capacity_;
  std::size_t in_use_ = 0;
  std::deque<Waiter> waiting_;
};

}  // namespace saferun::broker
