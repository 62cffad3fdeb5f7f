#include "broker/answer_head.h"

#include <limits>
#include <stdexcept>

namespace saferun::broker {

AnswerHead::AnswerHead(HeadAllocator<char> allocator) : text_(allocator), entries_(allocator) {
  text_.reserve(kTextReserve);
  entries_.reserve(kFieldsReserve);
}

// Called once, before any field (the status line comes first).
void AnswerHead::set_status(unsigned status, std::string_view reason, unsigned version) {
  status_ = status;
  version_ = version;
  text_.assign(reason);
  reason_size_ = static_cast<std::uint32_t>(reason.size());
  entries_.clear();
}

// Offsets are 32 bits: an exchange's parser bounds the whole head at 256 KiB, and a head past
// 4 GiB is refused here rather than indexed wrong.
void AnswerHead::add(boost::beast::http::field name, std::string_view name_text, std::string_view value) {
  if (text_.size() + name_text.size() + value.size() > std::numeric_limits<std::uint32_t>::max())
    throw std::length_error("an answer head past 4 GiB");
  entries_.push_back({name, static_cast<std::uint32_t>(text_.size()), static_cast<std::uint32_t>(name_text.size()),
                      static_cast<std::uint32_t>(value.size())});
  text_.append(name_text);
  text_.append(value);
}

}  // namespace saferun::broker
