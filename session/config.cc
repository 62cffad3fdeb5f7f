#include "session/config.h"

namespace saferun::session {

std::string SecretSource::label() const {
  switch (kind) {
    case Kind::env: return "env:" + env_names.front();
    case Kind::none: return "none";
  }
  return "none";
}

}  // namespace saferun::session
