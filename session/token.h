#pragma once
// The session's caller token and id. The token is what the child holds instead of a key:
// 32 bytes from the kernel's random generator (getrandom), hex-encoded behind a recognisable
// prefix so leak scanners (and people) can tell it is a safe-run token. It is never put on
// argv or in a file.

#include <string>

#include "broker/secret.h"

namespace saferun::session {

inline constexpr std::string_view kTokenPrefix = "srt_";
inline constexpr std::size_t kTokenRandomBytes = 32;

broker::Secret make_caller_token();
std::string make_session_id();  // 12 hex characters; names the session directory

}  // namespace saferun::session
