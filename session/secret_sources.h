#pragma once
// Reading one secret from where the user keeps it. Each reader returns the value in protected
// memory, wipes every transient copy it made, and throws SetupError with a message that names
// the source — never the value. Values are trimmed of one trailing newline; empty is an error.

#include <optional>
#include <string>
#include <vector>

#include "broker/secret.h"
#include "session/config.h"

namespace saferun::session {

inline constexpr std::size_t kMaxSecretBytes = 64 * 1024;

// The first set, non-empty variable of `names`, scrubbed in place in our environment block
// (so /proc/<pid>/environ no longer holds it); nullopt when none is set. `used` names it.
std::optional<broker::Secret> take_env_secret(const std::vector<std::string>& names, std::string& used);

// Overwrites these variables' values in our environment block without reading them.
void scrub_env(const std::vector<std::string>& names);

// A file owned by this user and readable by nobody else.
broker::Secret read_file_secret(const std::string& path);

// Read to EOF from an inherited descriptor, which is then closed.
broker::Secret read_fd_secret(int fd);

// Removes one trailing "\n" or "\r\n" from `buffer`'s first `length` bytes; returns the new length.
std::size_t trim_newline(const char* buffer, std::size_t length);

}  // namespace saferun::session
