#pragma once
// Whether a request's body can be framed exactly (RFC 9112 §6): a Transfer-Encoding that is
// anything but a single, final "chunked" cannot, and neither can Transfer-Encoding together
// with Content-Length. Read as a body-less request, such a message would leave its body to
// be parsed as a second request (smuggling): it is refused with 400 and the connection closed.

#include "broker/flat_fields.h"
#include <optional>
#include <string>

namespace saferun::broker {

// nullopt when the framing is exact; else why not, safe to show the client.
std::optional<std::string> framing_problem(const FlatFields& fields);

}  // namespace saferun::broker
