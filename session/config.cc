#include "session/config.h"

namespace saferun::session {

std::string SecretSource::label() const {
  switch (kind) {
    case Kind::env: return "env:" + env_names.front();
    case Kind::file: return "file:" + path;
    case Kind::fd: return "fd:" + std::to_string(fd);
    case Kind::command: return "command:" + argv.front();
    case Kind::none: return "none";
  }
  return "none";
}

}  // namespace saferun::session
