#pragma once
// Inflates a gzip or zlib (HTTP "deflate") stream piece by piece, so the meter can read the
// usage of a compressed answer while the compressed bytes pass to the client untouched.
// Output is handed over in pieces of at most 64 KiB as it is produced; nothing accumulates
// here, so a small answer that inflates to a huge one costs time, never memory.

#include <functional>
#include <memory>
#include <string_view>

namespace saferun::broker::policy {

class Inflater {
 public:
  Inflater();
  ~Inflater();
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;

  // False once the stream is corrupt (nothing more is produced).
  bool push(std::string_view compressed, const std::function<void(std::string_view)>& take);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace saferun::broker::policy
