#include "session/secret_command.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "session/secret_sources.h"
#include "session/setup_error.h"

extern char** environ;

namespace saferun::session {
namespace {

struct Pipe {
  int read = -1;
  int write = -1;
  ~Pipe() {
    if (read >= 0) ::close(read);
    if (write >= 0) ::close(write);
  }
};

// The helper's stdout is one end of a socket pair, not a pipe: a same-user process can open
// /proc/<helper>/fd/1 when it is a pipe (and read the secret first), but a socket cannot be
// opened through /proc (ENXIO). The helper gets fds 0, 1, 2 only: another route's secret fd
// stays ours.
pid_t spawn_with_stdout(const std::vector<std::string>& argv, Pipe& out, const std::string& name) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    throw SetupError("secret command " + name + ": socketpair: " + std::strerror(errno));
  out.read = fds[0];
  out.write = fds[1];
  ::shutdown(out.read, SHUT_WR);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out.write, 1);
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int error = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) throw SetupError("secret command " + name + ": cannot run: " + std::strerror(error));
  ::close(out.write);
  out.write = -1;
  return pid;
}

// Reads until EOF; false when the deadline passes first.
bool read_until_eof(int fd, std::array<char, kMaxSecretBytes + 1>& buffer, std::size_t& length,
                    std::chrono::steady_clock::time_point deadline) {
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return false;
    if (length == buffer.size()) return true;
    auto n = ::read(fd, buffer.data() + length, buffer.size() - length);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return true;
    length += static_cast<std::size_t>(n);
  }
}

int wait_for_exit(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

}  // namespace

broker::Secret run_secret_command(const std::vector<std::string>& argv, std::chrono::seconds timeout) {
  const std::string& name = argv.front();
  Pipe out;
  pid_t pid = spawn_with_stdout(argv, out, name);
  std::array<char, kMaxSecretBytes + 1> buffer;
  std::size_t length = 0;
  bool finished = read_until_eof(out.read, buffer, length, std::chrono::steady_clock::now() + timeout);
  if (!finished) ::kill(pid, SIGKILL);
  int status = wait_for_exit(pid);
  auto fail = [&](const std::string& why) {
    OPENSSL_cleanse(buffer.data(), length);
    throw SetupError("secret command " + name + ": " + why);
  };
  if (!finished) fail("timed out after " + std::to_string(timeout.count()) + " s");
  if (WIFSIGNALED(status)) fail("killed by signal " + std::to_string(WTERMSIG(status)));
  if (WEXITSTATUS(status) == 127) fail("not found");
  if (WEXITSTATUS(status) != 0) fail("exited " + std::to_string(WEXITSTATUS(status)));
  if (length > kMaxSecretBytes) fail("printed more than " + std::to_string(kMaxSecretBytes) + " bytes");
  auto trimmed = trim_newline(buffer.data(), length);
  broker::Secret secret{std::string_view(buffer.data(), trimmed)};
  OPENSSL_cleanse(buffer.data(), length);
  if (secret.empty()) throw SetupError("secret command " + name + ": printed nothing");
  return secret;
}

}  // namespace saferun::session
