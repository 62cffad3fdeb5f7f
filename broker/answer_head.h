#pragma once
// The upstream's answer head as the exchange keeps it: status, reason and fields in arrival
// order, their text back to back in one string and an index of where each field is.
//
// Beast's basic_fields keeps each field in its own allocation, linked into a list and into a
// case-insensitive tree (some 600 instructions per field to insert); a provider's answer
// carries two dozen fields, of which the broker only ever walks the list or looks up two or
// three. Both containers here draw from the connection's HeadArena (broker/head_arena.h).

#include <boost/beast/http/field.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/head_arena.h"

namespace saferun::broker {

class AnswerHead {
 public:
  struct Field {
    boost::beast::http::field name;  // field::unknown for a name Beast has no enum for
    std::string_view name_text;      // as received
    std::string_view value;
  };

  explicit AnswerHead(HeadAllocator<char> allocator = {});

  void set_status(unsigned status, std::string_view reason, unsigned version);
  void add(boost::beast::http::field name, std::string_view name_text, std::string_view value);

  unsigned status() const { return status_; }
  unsigned version() const { return version_; }  // 10 or 11
  std::string_view reason() const { return std::string_view(text_).substr(0, reason_size_); }
  std::size_t size() const { return entries_.size(); }
  Field operator[](std::size_t i) const {
    const auto& entry = entries_[i];
    const char* at = text_.data() + entry.at;
    return {entry.name, {at, entry.name_size}, {at + entry.name_size, entry.value_size}};
  }
  // The reason and every name and value back to back: a secret in none of them is not in this
  // either (one scan of the whole head rather than two per field).
  std::string_view text() const { return text_; }
  std::optional<std::string_view> first(boost::beast::http::field name) const;

  template <class Visit>  // visit(Field) for each field, in order
  void for_each(Visit&& visit) const {
    for (std::size_t i = 0; i < entries_.size(); ++i) visit((*this)[i]);
  }

 private:
  // A head's worth: a provider's answer head (~1.4 KB, 24 fields) without growing.
  static constexpr std::size_t kTextReserve = 2048;
  static constexpr std::size_t kFieldsReserve = 32;

  struct Entry {
    boost::beast::http::field name;
    std::uint32_t at;  // the name's first byte in text_; the value follows it
    std::uint32_t name_size;
    std::uint32_t value_size;
  };

  std::basic_string<char, std::char_traits<char>, HeadAllocator<char>> text_;  // reason, then each name and value
  std::vector<Entry, HeadAllocator<Entry>> entries_;
  std::uint32_t reason_size_ = 0;
  unsigned status_ = 0;
  unsigned version_ = 11;
};

}  // namespace saferun::broker
