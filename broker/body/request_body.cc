#include "broker/body/request_body.h"

#include <algorithm>
#include <cstring>

namespace saferun::broker {

void RequestBody::allocate(std::size_t bytes) {
  bytes_ = std::make_unique_for_overwrite<char[]>(bytes);
  size_ = bytes;
  capacity_ = bytes;
  splices_.clear();
}

void RequestBody::append(const char* bytes, std::size_t count) {
  if (size_ + count > capacity_) {
    auto capacity = std::max({size_ + count, capacity_ * 2, std::size_t{16} << 10});
    auto grown = std::make_unique_for_overwrite<char[]>(capacity);
    if (size_ > 0) std::memcpy(grown.get(), bytes_.get(), size_);
    bytes_ = std::move(grown);
    capacity_ = capacity;
  }
  if (count > 0) std::memcpy(bytes_.get() + size_, bytes, count);
  size_ += count;
}

bool RequestBody::splice(BodySplice splice) {
  if (splice.offset > size_ || splice.length > size_ - splice.offset || splices_.size() >= kMaxSplices) return false;
  auto after = std::find_if(splices_.begin(), splices_.end(), [&](const BodySplice& s) { return s.offset >= splice.offset; });
  // Two ranges overlap unless one ends where (or before) the other starts; two insertions at
  // one offset would be ordered by chance, so they are refused too.
  if (after != splices_.end() && (splice.offset + splice.length > after->offset || after->offset == splice.offset)) return false;
  if (after != splices_.begin()) {
    const auto& before = *std::prev(after);
    if (before.offset + before.length > splice.offset) return false;
  }
  splices_.insert(after, std::move(splice));
  return true;
}

std::size_t RequestBody::forwarded_size() const {
  auto size = size_;
  for (const auto& s : splices_) size = size - s.length + s.replacement.size();
  return size;
}

// Received bytes, replacement, received bytes, ...: unused entries are empty buffers.
std::array<boost::asio::const_buffer, 2 * RequestBody::kMaxSplices + 1> RequestBody::forwarded_buffers() const {
  namespace asio = boost::asio;
  std::array<asio::const_buffer, 2 * kMaxSplices + 1> buffers{};
  std::size_t from = 0, i = 0;
  for (const auto& s : splices_) {
    buffers[i++] = asio::const_buffer(bytes_.get() + from, s.offset - from);
    buffers[i++] = asio::buffer(s.replacement);
    from = s.offset + s.length;
  }
  buffers[i] = asio::const_buffer(bytes_.get() + from, size_ - from);
  return buffers;
}

void RequestBody::release() {
  bytes_.reset();
  size_ = capacity_ = 0;
  splices_.clear();
  reservation_.release();
}

}  // namespace saferun::broker
