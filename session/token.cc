#include "session/token.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <array>

#include "session/setup_error.h"

namespace saferun::session {
namespace {

template <std::size_t N>
void random_bytes(std::array<unsigned char, N>& out) {
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1)
    throw SetupError("RAND_bytes: the random generator failed");
}

void append_hex(std::string& out, const unsigned char* bytes, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[bytes[i] >> 4]);
    out.push_back(kDigits[bytes[i] & 15]);
  }
}

}  // namespace

broker::Secret make_caller_token() {
  std::array<unsigned char, kTokenRandomBytes> bytes{};
  random_bytes(bytes);
  std::string text(kTokenPrefix);
  text.reserve(kTokenPrefix.size() + 2 * bytes.size());
  append_hex(text, bytes.data(), bytes.size());
  broker::Secret token(text);
  OPENSSL_cleanse(bytes.data(), bytes.size());
  broker::wipe(text);
  return token;
}

std::string make_session_id() {
  std::array<unsigned char, 6> bytes{};
  random_bytes(bytes);
  std::string id;
  append_hex(id, bytes.data(), bytes.size());
  return id;
}

}  // namespace saferun::session
