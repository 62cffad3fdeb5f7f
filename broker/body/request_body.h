#pragma once
// A request body held whole in one contiguous buffer, read straight into storage sized from
// Content-Length (no zero-fill, no second copy), plus at most one splice: a byte range that
// the forwarded body replaces (the policy lowering `max_tokens`). What goes upstream is
// prefix + replacement + suffix, written as three buffers; the received bytes never move.
// Holds the BodyReservation that bounds bodies in flight, so freeing the body gives it back.

#include <boost/asio/buffer.hpp>
#include <array>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "broker/body/body_budget.h"

namespace saferun::broker {

struct BodySplice {
  std::size_t offset = 0;  // into the received body
  std::size_t length = 0;  // bytes replaced
  std::string replacement;
};

class RequestBody {
 public:
  RequestBody() = default;
  RequestBody(RequestBody&&) noexcept = default;
  RequestBody& operator=(RequestBody&&) noexcept = default;

  // Storage for exactly `bytes`, not initialised; the body is then filled through data().
  void allocate(std::size_t bytes);
  char* data() { return bytes_.get(); }
  // Appends, growing geometrically (a chunked body, whose size is not known up front).
  void append(const char* bytes, std::size_t count);
  std::size_t size() const { return size_; }
  std::string_view view() const { return {bytes_.get(), size_}; }

  // False (and nothing changes) when the range is outside the body.
  bool splice(BodySplice splice);
  const std::optional<BodySplice>& splice() const { return splice_; }
  std::size_t forwarded_size() const;
  std::array<boost::asio::const_buffer, 3> forwarded_buffers() const;

  void hold(BodyReservation reservation) { reservation_ = std::move(reservation); }
  // Gives back the part of the reservation the body turned out not to need.
  void fit_reservation() { reservation_.shrink_to(size_); }
  // Frees the bytes and gives the reservation back.
  void release();

 private:
  std::unique_ptr<char[]> bytes_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
  std::optional<BodySplice> splice_;
  BodyReservation reservation_;
};

}  // namespace saferun::broker
