#pragma once
// The dry-run answer: a description of the forward the broker would make — never the secret.

#include <string>
#include <string_view>

#include "broker/dispatch.h"

namespace saferun::broker {

// `body` is the request body as read; it is echoed back parsed when it is JSON, else by size.
std::string dry_run_body(const Dispatch& dispatch, std::string_view method, std::string_view body);

}  // namespace saferun::broker
