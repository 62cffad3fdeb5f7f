#include "broker/secret_redactor.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace saferun::broker {
namespace {

// Documented key formats, longest first; their prefixes are public knowledge.
constexpr std::array<std::string_view, 12> kKnownPrefixes = {
    "sk-ant-api03-", "sk-ant-admin01-", "sk-ant-", "sk-svcacct-", "github_pat_", "sk-proj-",
    "sk-admin-",     "AIza",            "gsk_",    "xai-",        "ghp_",        "sk-"};

}  // namespace

std::size_t SecretRedactor::public_prefix_length(std::string_view secret) {
  for (auto prefix : kKnownPrefixes)
    if (secret.size() > prefix.size() && secret.starts_with(prefix)) return prefix.size();
  return std::min<std::size_t>(1, secret.size());
}

RedactionList::RedactionList(const std::vector<std::string_view>& all) {
  for (auto secret : all) {
    if (secret.empty()) continue;
    secrets.push_back(secret);
    public_prefixes.push_back(SecretRedactor::public_prefix_length(secret));
  }
}

SecretRedactor::SecretRedactor(const std::vector<std::string_view>& secrets)
    : list_(std::make_shared<const RedactionList>(secrets)) {}

SecretRedactor::SecretRedactor(std::shared_ptr<const RedactionList> list) : list_(std::move(list)) {}

void SecretRedactor::mask(std::string& text) const {
  for (auto secret : list_->secrets) {
    for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + secret.size()))
      std::fill_n(text.begin() + static_cast<std::ptrdiff_t>(at), secret.size(), '*');
  }
}

// The longest tail of `text`, shorter than a secret, that begins with (a start of) that
// secret's public prefix. Bytes of the secret past its public prefix are never compared.
// Candidate starts are found by the secret's first byte (public: every public prefix holds
// it), leftmost first, since the leftmost match is the longest tail.
std::size_t SecretRedactor::held_back_length(std::string_view text) const {
  std::size_t longest = 0;
  const auto& secrets = list_->secrets;
  const char* const text_end = text.data() + text.size();
  for (std::size_t s = 0; s < secrets.size(); ++s) {
    auto secret = secrets[s];
    auto most = std::min(text.size(), secret.size() - 1);
    if (most <= longest) continue;
    const char* const last = text_end - longest;  // starts from here on hold no more than `longest`
    for (const char* at = text_end - most; at < last; ++at) {
      at = static_cast<const char*>(std::memchr(at, secret.front(), static_cast<std::size_t>(last - at)));
      if (at == nullptr) break;
      auto n = static_cast<std::size_t>(text_end - at);
      if (std::memcmp(at, secret.data(), std::min(n, list_->public_prefixes[s])) == 0) {
        longest = n;
        break;
      }
    }
  }
  return longest;
}

// Most chunks hold no secret and nothing is carried from the one before: they are appended
// as they are, less the tail held back, without first being copied into the carry.
void SecretRedactor::push(std::string_view chunk, std::string& out) {
  if (!active()) {
    out.append(chunk);
    return;
  }
  if (carry_.empty() && !finds_secret(chunk)) {
    auto keep = held_back_length(chunk);
    out.append(chunk.data(), chunk.size() - keep);
    carry_.assign(chunk.substr(chunk.size() - keep));
    return;
  }
  carry_.append(chunk);
  mask(carry_);
  auto keep = held_back_length(carry_);
  out.append(carry_, 0, carry_.size() - keep);
  carry_.erase(0, carry_.size() - keep);
}

void SecretRedactor::finish(std::string& out) {
  out.append(carry_);
  carry_.clear();
}

// memmem: glibc's skips by pairs of bytes, where string_view::find stops at every byte equal to
// the secret's first (an "s" of "sk-" is in most words of a head).
bool SecretRedactor::finds_secret(std::string_view value) const {
  return std::any_of(list_->secrets.begin(), list_->secrets.end(), [&](std::string_view secret) {
    return memmem(value.data(), value.size(), secret.data(), secret.size()) != nullptr;
  });
}

std::string SecretRedactor::redact(std::string_view value) const {
  std::string text(value);
  mask(text);
  return text;
}

}  // namespace saferun::broker
