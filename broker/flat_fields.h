#pragma once
// A message head's fields as the broker keeps them: in arrival order, their text in one string
// after a lead (the text the head keeps before its fields: an answer's reason, a request's
// method and target) — names and values back to back, or a plain head's lines as they came —
// with an index of where each name and value is. A range of fields read
// as Beast's are (name(), name_string(), value()), so the lookups of broker/field_lookup.h and
// broker/header_policy.h serve it.
//
// Beast's basic_fields keeps each field in its own allocation, linked into a list and into a
// case-insensitive tree (some 600 instructions per field to insert); a real head carries two
// dozen fields, of which the broker walks the list or looks up two or three. Both containers
// here draw from the connection's HeadArena (broker/head_arena.h). The parsers that fill them:
// broker/answer_parser.h, broker/request_parser.h.

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/field.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "broker/head_arena.h"

namespace saferun::broker {

class FlatFields {
 public:
  class Field {
   public:
    Field(std::string_view name_string, std::string_view value) : name_string_(name_string), value_(value) {}
    // field::unknown for a name Beast has no enum for. Looked up when asked (a hash of the name):
    // the broker's lookups compare names as text (broker/field_lookup.h), so a head's fields
    // are not each hashed as they arrive.
    boost::beast::http::field name() const { return boost::beast::http::string_to_field(name_string()); }
    boost::beast::string_view name_string() const { return {name_string_.data(), name_string_.size()}; }  // as received
    boost::beast::string_view value() const { return {value_.data(), value_.size()}; }

   private:
    std::string_view name_string_;
    std::string_view value_;
  };

  class const_iterator {
   public:
    const_iterator(const FlatFields& fields, std::size_t at) : fields_(&fields), at_(at) {}
    Field operator*() const { return (*fields_)[at_]; }
    const_iterator& operator++() { return ++at_, *this; }
    bool operator==(const const_iterator& other) const { return at_ == other.at_; }

   private:
    const FlatFields* fields_;
    std::size_t at_;
  };

  explicit FlatFields(HeadAllocator<char> allocator = {});

  // Starts over: no fields, `lead` then `lead_rest` kept before them.
  void reset(std::string_view lead, std::string_view lead_rest = {});
  void add(std::string_view name_text, std::string_view value);

  // For a head whose fields came plain, one line after another (broker/plain_head.h): the
  // lines, as they came, copied at once; then each field indexed at its offsets in `lines`
  // (spans[i] has name_at, name_size, value_at and value_size).
  template <class Span>
  void add_lines(std::string_view lines, const Span* spans, std::size_t count) {
    const auto base = append_lines(lines);
    for (std::size_t i = 0; i < count; ++i) {
      const auto& span = spans[i];
      entries_.push_back({base + span.name_at, span.name_size, base + span.value_at, span.value_size});
    }
  }

  std::size_t size() const { return entries_.size(); }
  Field operator[](std::size_t i) const {
    const auto& entry = entries_[i];
    return {{text_.data() + entry.name_at, entry.name_size}, {text_.data() + entry.value_at, entry.value_size}};
  }
  const_iterator begin() const { return {*this, 0}; }
  const_iterator end() const { return {*this, entries_.size()}; }
  // The lead and every name and value, back to back or with the lines' separators between
  // them (add_lines): a secret in any of them is in this too (one scan of the whole head rather
  // than two per field).
  std::string_view text() const { return text_; }

 protected:
  std::string_view lead() const { return std::string_view(text_).substr(0, lead_size_); }

 private:
  // A head's worth: a provider's answer head (~1.4 KB, 24 fields) without growing.
  static constexpr std::size_t kTextReserve = 2048;
  static constexpr std::size_t kFieldsReserve = 32;

  struct Entry {
    std::uint32_t name_at;  // in text_
    std::uint32_t name_size;
    std::uint32_t value_at;
    std::uint32_t value_size;
  };

  std::uint32_t append_lines(std::string_view lines);  // returns where they begin in text_

  std::basic_string<char, std::char_traits<char>, HeadAllocator<char>> text_;
  std::vector<Entry, HeadAllocator<Entry>> entries_;
  std::uint32_t lead_size_ = 0;
};

}  // namespace saferun::broker
