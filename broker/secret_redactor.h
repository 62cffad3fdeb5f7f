#pragma once
// Masks any secret the broker holds out of an answer before it reaches the client: an
// upstream that reflects request headers in an error body must not hand the agent the key.
// Streaming-safe: a secret split across reads is still caught, by holding back only a tail
// that could be the start of a secret (an SSE event ends in "\n\n", which never is, so events
// are not delayed). Masking keeps the length, so Content-Length framing stays right.
// Compressed bodies (Content-Encoding) cannot be scanned and pass as they are.

#include <string>
#include <string_view>
#include <vector>

namespace saferun::broker {

class SecretRedactor {
 public:
  explicit SecretRedactor(std::vector<std::string_view> secrets);

  // Appends to `out` what may be sent now for `chunk`.
  void push(std::string_view chunk, std::string& out);
  // Appends whatever was held back (end of body).
  void finish(std::string& out);
  // Masks every secret within one complete value (a header).
  std::string redact(std::string_view value) const;
  bool active() const { return !secrets_.empty(); }

 private:
  std::size_t held_back_length(std::string_view text) const;
  void mask(std::string& text) const;

  std::vector<std::string_view> secrets_;
  std::string carry_;
};

}  // namespace saferun::broker
