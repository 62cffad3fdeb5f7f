#include "tests/support/pty_process.h"

#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace saferun::test {
namespace {

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (const auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

}  // namespace

PtyProcess::PtyProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                       unsigned short rows, unsigned short cols) {
  auto args = c_strings(argv);
  auto envp = c_strings(env);
  winsize size{rows, cols, 0, 0};
  pid_ = ::forkpty(&master_, nullptr, nullptr, &size);
  if (pid_ < 0) throw std::runtime_error("forkpty failed");
  if (pid_ == 0) {
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig : {SIGINT, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU, SIGPIPE, SIGHUP}) ::signal(sig, SIG_DFL);
    ::execve(args[0], args.data(), envp.data());
    ::_exit(127);
  }
}

PtyProcess::~PtyProcess() {
  if (!reaped_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  if (master_ >= 0) ::close(master_);
}

void PtyProcess::type(const std::string& keys) {
  [[maybe_unused]] auto n = ::write(master_, keys.data(), keys.size());
}

void PtyProcess::resize(unsigned short rows, unsigned short cols) {
  winsize size{rows, cols, 0, 0};
  ::ioctl(master_, TIOCSWINSZ, &size);
}

void PtyProcess::pump(std::chrono::milliseconds budget) {
  pollfd p{master_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(budget.count())) <= 0) return;
  char buffer[4096];
  auto n = ::read(master_, buffer, sizeof buffer);
  if (n > 0) output_.append(buffer, static_cast<std::size_t>(n));
}

bool PtyProcess::wait_for(const std::string& needle, std::chrono::milliseconds timeout, std::size_t from) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (output_.find(needle, from) == std::string::npos) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    pump(std::chrono::milliseconds(20));
  }
  return true;
}

ProcessResult PtyProcess::finish(std::chrono::milliseconds timeout) {
  ProcessResult result;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int raw = 0;
  while (!reaped_) {
    pump(std::chrono::milliseconds(20));
    if (::waitpid(pid_, &raw, WNOHANG) == pid_) {
      reaped_ = true;
    } else if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &raw, 0);
      reaped_ = true;
      result.timed_out = true;
    }
  }
  for (int i = 0; i < 10; ++i) pump(std::chrono::milliseconds(10));
  result.status = result.timed_out ? -1 : WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
  result.out = output_;
  return result;
}

std::size_t count_of(const std::string& haystack, const std::string& needle) {
  std::size_t count = 0;
  for (auto at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + needle.size())) ++count;
  return count;
}

}  // namespace saferun::test
