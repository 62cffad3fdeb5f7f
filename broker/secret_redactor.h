#pragma once
// Masks any secret the broker holds out of an answer before it reaches the client: an
// upstream that reflects request headers in an error body must not hand the agent the key.
// Streaming-safe: a secret split across reads is still caught, by holding back a tail that
// could be the start of a secret (an SSE event ends in "\n\n", which never is, so events are
// not delayed). What is held back must not tell the agent anything about the key, whose
// echo it may control: a tail is held from the first place where it matches the secret's
// *public prefix* (a documented key format such as "sk-ant-api03-", else its first byte) for
// as long as a whole secret could still start there — never by comparing later bytes, so
// whether a chunk arrives late depends on public bytes only. Masking keeps the length, so
// Content-Length framing stays right. The broker asks upstreams for identity encoding and
// refuses encoded answers, so every body it relays is scanned.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace saferun::broker {

// The secrets to mask and their public prefixes: made once per broker, shared by every
// redactor (each answer's redactor holds only its own held-back tail).
struct RedactionList {
  explicit RedactionList(const std::vector<std::string_view>& secrets);
  std::vector<std::string_view> secrets;      // non-empty ones
  std::vector<std::size_t> public_prefixes;  // per secret
};

class SecretRedactor {
 public:
  explicit SecretRedactor(const std::vector<std::string_view>& secrets);
  explicit SecretRedactor(std::shared_ptr<const RedactionList> list);

  // Appends to `out` what may be sent now for `chunk`.
  void push(std::string_view chunk, std::string& out);
  // Appends whatever was held back (end of body).
  void finish(std::string& out);
  // Masks every secret within one complete value (a header).
  std::string redact(std::string_view value) const;
  // Whether `value` holds any secret whole (what redact() would mask).
  bool finds_secret(std::string_view value) const;
  bool active() const { return !list_->secrets.empty(); }

  // How many leading bytes of `secret` are public: a known key format's prefix, else 1.
  static std::size_t public_prefix_length(std::string_view secret);

 private:
  std::size_t held_back_length(std::string_view text) const;
  void mask(std::string& text) const;

  std::shared_ptr<const RedactionList> list_;
  std::string carry_;
};

}  // namespace saferun::broker
