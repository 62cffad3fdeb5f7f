#pragma once
// Header lookups by walking a head's list of fields. Beast keeps them twice: a list (in arrival
// order, but for a repeated name, whose fields it keeps together after the first) and a tree
// keyed by name, compared without case a byte at a time; a head holds a handful to a few dozen
// fields, and the walk compares each field's name with the one asked for, length first (a name
// asked for by Beast's enum as that enum's own spelling: the enum is that spelling, in any
// case). Same answers as Beast's find / equal_range / count for names that are HTTP tokens —
// all a parser yields: the first field of that name, or every one in order.

#include <boost/beast/http/fields.hpp>
#include <optional>
#include <string_view>

#include "broker/ascii.h"

namespace saferun::broker {

// Whether a field's name, as it came, is `name`.
inline bool is_named(std::string_view field_name, boost::beast::http::field name) {
  return boost::beast::iequals(beast_view(field_name), boost::beast::http::to_string(name));
}

// Every value of the fields called `name`, in order.
template <class Fields, class Visit>
void for_each_field_value(const Fields& fields, boost::beast::http::field name, Visit&& visit) {
  for (const auto& field : fields)
    if (is_named(view(field.name_string()), name)) visit(view(field.value()));
}

template <class Fields>
std::optional<std::string_view> first_field_value(const Fields& fields, boost::beast::http::field name) {
  for (const auto& field : fields)
    if (is_named(view(field.name_string()), name)) return view(field.value());
  return std::nullopt;
}

template <class Fields>
bool has_field(const Fields& fields, boost::beast::http::field name) {
  return first_field_value(fields, name).has_value();
}

// For a name Beast has no enum for (x-api-key), given in lower case.
template <class Fields>
std::optional<std::string_view> first_field_value(const Fields& fields, std::string_view lower_name) {
  for (const auto& field : fields) {
    auto name = view(field.name_string());
    if (name.size() == lower_name.size() && starts_with_ci(name, lower_name)) return view(field.value());
  }
  return std::nullopt;
}

}  // namespace saferun::broker
