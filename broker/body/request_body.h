#pragma once
// A request body held whole in one contiguous buffer, read straight into storage sized from
// Content-Length (no zero-fill, no second copy), plus at most two splices: byte ranges that the
// forwarded body replaces (the policy lowering `max_tokens`, asking for streamed usage). What
// goes upstream is the received bytes around the replacements, written as up to five buffers;
// the received bytes never move.
// Holds the BodyReservation that bounds bodies in flight, so freeing the body gives it back.

#include <boost/asio/buffer.hpp>
#include <array>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

  static constexpr std::size_t kMaxSplices = 2;
  // False (and nothing changes) when the range is outside the body, overlaps an earlier
  // splice's, or kMaxSplices are made already.
  bool splice(BodySplice splice);
  const std::vector<BodySplice>& splices() const { return splices_; }  // in body order
  std::size_t forwarded_size() const;
  std::array<boost::asio::const_buffer, 2 * kMaxSplices + 1> forwarded_buffers() const;

  void hold(BodyReservation reservation) { reservation_ = std::move(reservation); }
  // Gives back the part of the reservation the body turned out not to need.
  void fit_reservation() { reservation_.shrink_to(size_); }
  // Frees the bytes and gives the reservation back.
  void release();

 private:
  std::unique_ptr<char[]> bytes_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
  std::vector<BodySplice> splices_;
  BodyReservation reservation_;
};

}  // namespace saferun::broker
