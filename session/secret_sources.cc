#include "session/secret_sources.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "session/setup_error.h"

namespace saferun::session {
namespace {

// Reads `fd` to EOF into a stack buffer (never the heap), then into a Secret.
broker::Secret read_all(int fd, const std::string& source) {
  std::array<char, kMaxSecretBytes + 1> buffer;
  std::size_t length = 0;
  while (length < buffer.size()) {
    auto n = ::read(fd, buffer.data() + length, buffer.size() - length);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      OPENSSL_cleanse(buffer.data(), length);
      throw SetupError(source + ": read failed: " + std::strerror(errno));
    }
    if (n == 0) break;
    length += static_cast<std::size_t>(n);
  }
  if (length > kMaxSecretBytes) {
    OPENSSL_cleanse(buffer.data(), buffer.size());
    throw SetupError(source + ": larger than " + std::to_string(kMaxSecretBytes) + " bytes");
  }
  auto trimmed = trim_newline(buffer.data(), length);
  broker::Secret secret{std::string_view(buffer.data(), trimmed)};
  OPENSSL_cleanse(buffer.data(), length);
  if (secret.empty()) throw SetupError(source + ": is empty");
  return secret;
}

struct ClosingFd {
  int fd;
  ~ClosingFd() {
    if (fd >= 0) ::close(fd);
  }
};

std::string octal_mode(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

}  // namespace

std::size_t trim_newline(const char* buffer, std::size_t length) {
  if (length > 0 && buffer[length - 1] == '\n') --length;
  if (length > 0 && buffer[length - 1] == '\r') --length;
  return length;
}

std::optional<broker::Secret> take_env_secret(const std::vector<std::string>& names, std::string& used) {
  for (const auto& name : names) {
    char* value = std::getenv(name.c_str());
    if (value == nullptr || *value == '\0') continue;
    broker::Secret secret{std::string_view(value)};
    OPENSSL_cleanse(value, std::strlen(value));
    used = name;
    return secret;
  }
  return std::nullopt;
}

void scrub_env(const std::vector<std::string>& names) {
  for (const auto& name : names) {
    if (char* value = std::getenv(name.c_str())) OPENSSL_cleanse(value, std::strlen(value));
  }
}

broker::Secret read_file_secret(const std::string& path) {
  const std::string source = "secret file " + path;
  ClosingFd file{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY)};
  if (file.fd < 0) throw SetupError(source + ": " + std::strerror(errno));
  struct stat info{};
  if (::fstat(file.fd, &info) != 0 || !S_ISREG(info.st_mode)) throw SetupError(source + ": not a regular file");
  if (info.st_uid != ::geteuid())
    throw SetupError(source + ": not owned by this user (uid " + std::to_string(::geteuid()) + ")");
  if ((info.st_mode & 077) != 0)
    throw SetupError(source + ": readable by group or others (mode " + octal_mode(info.st_mode) + "); chmod 600 it");
  return read_all(file.fd, source);
}

broker::Secret read_fd_secret(int fd) {
  const std::string source = "secret fd " + std::to_string(fd);
  if (::fcntl(fd, F_GETFD) < 0) throw SetupError(source + ": not open (pass it as " + std::to_string(fd) + "<FILE)");
  ClosingFd inherited{fd};  // closed whatever happens: the child must not inherit it
  return read_all(fd, source);
}

}  // namespace saferun::session
