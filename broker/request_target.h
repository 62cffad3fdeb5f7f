#pragma once
// The request target as the broker accepts it: origin-form only ("/path?query"), with a path
// that has exactly one meaning. Anything that could make the path mean something else after
// decoding or normalising — absolute-form, "//host", dot segments (raw or %2e), encoded
// slashes or backslashes, NUL or control bytes — is refused, never repaired. This is what
// pins every forward to the route's own upstream origin and base path.

#include <optional>
#include <string>
#include <string_view>

namespace saferun::broker {

struct RequestTarget {
  std::string_view path;   // as sent (still percent-encoded): what is forwarded
  std::string_view query;  // without '?', "" when absent: forwarded byte for byte
  bool has_query = false;
  std::string decoded_path;  // percent-decoded: what routes and allowlists match
};

// `path` and `query` view `target`, which must outlive the result.
std::optional<RequestTarget> parse_request_target(std::string_view target, std::string& why);

}  // namespace saferun::broker
