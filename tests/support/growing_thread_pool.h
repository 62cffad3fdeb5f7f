#pragma once
// The task queue of the test fakes' cpp-httplib servers: a thread is started when a connection
// finds none idle, up to `most`, instead of all of them before the first accept. cpp-httplib
// runs each connection on one thread for its whole keep-alive life, so `most` is the fake's
// concurrency, as with httplib::ThreadPool. Started up front, 256 threads kept the fake from
// accepting for ~3 s under ThreadSanitizer on a machine where starting a thread costs ~11 ms —
// longer than the upstream deadlines some tests set.

#include <httplib.h>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace saferun::test {

class GrowingThreadPool : public httplib::TaskQueue {
 public:
  explicit GrowingThreadPool(std::size_t most) : most_(most) {}

  // cpp-httplib calls enqueue and shutdown from its one listening thread.
  void enqueue(std::function<void()> job) override {
    {
      std::lock_guard lock(mutex_);
      jobs_.push_back(std::move(job));
      if (jobs_.size() > waiting_ + starting_ && threads_.size() < most_) {
        ++starting_;
        threads_.emplace_back([this] { work(); });
      }
    }
    job_ready_.notify_one();
  }

  std::size_t threads_started() const {
    std::lock_guard lock(mutex_);
    return threads_.size();
  }
  std::size_t threads_waiting() const {
    std::lock_guard lock(mutex_);
    return waiting_;
  }

  void shutdown() override {
    std::vector<std::thread> threads;
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
      threads.swap(threads_);
    }
    job_ready_.notify_all();
    for (auto& thread : threads) thread.join();
  }

 private:
  // Runs jobs until the pool stops and none is left.
  void work() {
    std::unique_lock lock(mutex_);
    --starting_;
    while (true) {
      ++waiting_;
      job_ready_.wait(lock, [this] { return !jobs_.empty() || stopping_; });
      --waiting_;
      if (jobs_.empty()) return;
      auto job = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      job();
      lock.lock();
    }
  }

  const std::size_t most_;
  mutable std::mutex mutex_;
  std::condition_variable job_ready_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::thread> threads_;
  std::size_t waiting_ = 0;   // threads blocked for a job
  std::size_t starting_ = 0;  // threads started that have not yet looked for one
  bool stopping_ = false;
};

}  // namespace saferun::test
