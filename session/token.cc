#include "session/token.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sys/random.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <string>

#include "session/setup_error.h"

namespace saferun::session {
namespace {

template <std::size_t N>
void random_bytes_from_openssl(std::array<unsigned char, N>& out) {
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1)
    throw SetupError("RAND_bytes: the random generator failed");
}

// Straight from the kernel's generator, which OpenSSL's would seed itself from: asking
// OpenSSL would first load its providers and build its generator (with reading its
// configuration, which the session does anyway, 10.7 % of start-up's CPU samples). Blocks only
// until the kernel's pool is first seeded, at boot; a short read is read on.
template <std::size_t N>
void random_bytes(std::array<unsigned char, N>& out) {
  std::size_t have = 0;
  while (have < N) {
    auto n = ::getrandom(out.data() + have, N - have, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == ENOSYS || errno == EPERM)) return random_bytes_from_openssl(out);  // an old kernel, or a filter
    if (n <= 0) throw SetupError(std::string("getrandom: the kernel's random generator failed: ") + std::strerror(errno));
    have += static_cast<std::size_t>(n);
  }
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
