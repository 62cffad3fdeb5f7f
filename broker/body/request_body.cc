#include "broker/body/request_body.h"

#include <algorithm>
#include <cstring>

namespace saferun::broker {

void RequestBody::allocate(std::size_t bytes) {
  bytes_ = std::make_unique_for_overwrite<char[]>(bytes);
  size_ = bytes;
  capacity_ = bytes;
  splice_.reset();
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
  if (splice.offset > size_ || splice.length > size_ - splice.offset) return false;
  splice_ = std::move(splice);
  return true;
}

std::size_t RequestBody::forwarded_size() const {
  if (!splice_) return size_;
  return size_ - splice_->length + splice_->replacement.size();
}

std::array<boost::asio::const_buffer, 3> RequestBody::forwarded_buffers() const {
  namespace asio = boost::asio;
  if (!splice_) return {asio::const_buffer(bytes_.get(), size_), asio::const_buffer(), asio::const_buffer()};
  const auto& s = *splice_;
  auto suffix = s.offset + s.length;
  return {asio::const_buffer(bytes_.get(), s.offset), asio::buffer(s.replacement),
          asio::const_buffer(bytes_.get() + suffix, size_ - suffix)};
}

void RequestBody::release() {
  bytes_.reset();
  size_ = capacity_ = 0;
  splice_.reset();
  reservation_.release();
}

}  // namespace saferun::broker
