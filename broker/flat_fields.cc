#include "broker/flat_fields.h"

#include <limits>
#include <stdexcept>

namespace saferun::broker {

FlatFields::FlatFields(HeadAllocator<char> allocator) : text_(allocator), entries_(allocator) {
  text_.reserve(kTextReserve);
  entries_.reserve(kFieldsReserve);
}

void FlatFields::reset(std::string_view lead, std::string_view lead_rest) {
  if (lead.size() + lead_rest.size() > std::numeric_limits<std::uint32_t>::max()) throw std::length_error("a head past 4 GiB");
  text_.assign(lead);
  text_.append(lead_rest);
  lead_size_ = static_cast<std::uint32_t>(text_.size());
  entries_.clear();
}

// Offsets are 32 bits: the parsers bound a head at most at a few hundred KiB, and a head past
// 4 GiB is refused here rather than indexed wrong.
void FlatFields::add(std::string_view name_text, std::string_view value) {
  if (text_.size() + name_text.size() + value.size() > std::numeric_limits<std::uint32_t>::max())
    throw std::length_error("a head past 4 GiB");
  const auto at = static_cast<std::uint32_t>(text_.size());
  const auto name_size = static_cast<std::uint32_t>(name_text.size());
  entries_.push_back({at, name_size, at + name_size, static_cast<std::uint32_t>(value.size())});
  text_.append(name_text);
  text_.append(value);
}

std::uint32_t FlatFields::append_lines(std::string_view lines) {
  if (text_.size() + lines.size() > std::numeric_limits<std::uint32_t>::max()) throw std::length_error("a head past 4 GiB");
  const auto base = static_cast<std::uint32_t>(text_.size());
  text_.append(lines);
  return base;
}

}  // namespace saferun::broker
