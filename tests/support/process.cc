#include "tests/support/process.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <stdexcept>
#include <thread>

namespace saferun::test {
namespace {

using Clock = std::chrono::steady_clock;

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (const auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

int shell_status(int raw) {
  if (WIFEXITED(raw)) return WEXITSTATUS(raw);
  if (WIFSIGNALED(raw)) return 128 + WTERMSIG(raw);
  return -1;
}

}  // namespace

Process::Process(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                 const std::vector<std::pair<int, int>>& inherit) {
  int in[2], out[2], err[2];
  if (::pipe2(in, O_CLOEXEC) || ::pipe2(out, O_CLOEXEC) || ::pipe2(err, O_CLOEXEC))
    throw std::runtime_error("pipe2 failed");
  auto args = c_strings(argv);
  auto envp = c_strings(env);
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    for (auto [child_fd, parent_fd] : inherit) {
      if (child_fd == parent_fd) {
        ::fcntl(child_fd, F_SETFD, 0);  // dup2 onto itself would keep close-on-exec
      } else {
        ::dup2(parent_fd, child_fd);
      }
    }
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    ::execve(args[0], args.data(), envp.data());
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  in_ = in[1];
  out_fd_ = out[0];
  err_fd_ = err[0];
}

Process::~Process() {
  if (!reaped_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &raw_status_, 0);
  }
  for (int fd : {in_, out_fd_, err_fd_})
    if (fd >= 0) ::close(fd);
}

void Process::write_stdin(const std::string& data) {
  std::size_t written = 0;
  while (in_ >= 0 && written < data.size()) {
    auto n = ::write(in_, data.data() + written, data.size() - written);
    if (n <= 0 && errno != EINTR) return;
    if (n > 0) written += static_cast<std::size_t>(n);
  }
}

void Process::close_stdin() {
  if (in_ >= 0) ::close(in_);
  in_ = -1;
}

bool Process::pump(std::chrono::milliseconds budget) {
  pollfd fds[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
  if (out_fd_ < 0 && err_fd_ < 0) return false;
  int ready = ::poll(fds, 2, static_cast<int>(budget.count()));
  if (ready <= 0) return true;
  char buffer[65536];
  for (int i = 0; i < 2; ++i) {
    int& fd = i == 0 ? out_fd_ : err_fd_;
    if (fd < 0 || fds[i].revents == 0) continue;
    auto n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
      (i == 0 ? out_ : err_).append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
      ::close(fd);
      fd = -1;
    }
  }
  return out_fd_ >= 0 || err_fd_ >= 0;
}

bool Process::wait_for(const std::string& stream, const std::string& needle,
                       std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  const std::string& text = stream == "out" ? out_ : err_;
  while (text.find(needle) == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    if (!pump(std::min(left, std::chrono::milliseconds(100))) && text.find(needle) == std::string::npos)
      return false;
  }
  return true;
}

bool Process::wait_for_stdout(const std::string& needle, std::chrono::milliseconds timeout) {
  return wait_for("out", needle, timeout);
}

bool Process::wait_for_stderr(const std::string& needle, std::chrono::milliseconds timeout) {
  return wait_for("err", needle, timeout);
}

ProcessResult Process::finish(std::chrono::milliseconds timeout) {
  ProcessResult result;
  auto deadline = Clock::now() + timeout;
  while (!reaped_) {
    pid_t done = ::waitpid(pid_, &raw_status_, WNOHANG);
    if (done == pid_) {
      reaped_ = true;
      break;
    }
    if (Clock::now() > deadline) {
      result.timed_out = true;
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &raw_status_, 0);
      reaped_ = true;
      break;
    }
    if (!pump(std::chrono::milliseconds(20))) ::usleep(5000);
  }
  // Output may still be held by descendants; take what arrives within a short bound.
  auto drain_deadline = Clock::now() + std::chrono::seconds(2);
  while (Clock::now() < drain_deadline && pump(std::chrono::milliseconds(50))) {}
  result.status = result.timed_out ? -1 : shell_status(raw_status_);
  result.out = out_;
  result.err = err_;
  return result;
}

ProcessResult run_process(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                          std::chrono::milliseconds timeout) {
  Process process(argv, env);
  process.close_stdin();
  return process.finish(timeout);
}

std::vector<std::string> base_env(const std::vector<std::string>& extra) {
  std::vector<std::string> env = {"PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8"};
  if (const char* home = std::getenv("HOME")) env.push_back(std::string("HOME=") + home);
  for (const auto& entry : extra) {
    auto name = entry.substr(0, entry.find('=') + 1);
    std::erase_if(env, [&](const std::string& e) { return e.starts_with(name); });
    env.push_back(entry);
  }
  return env;
}

bool same_secret(const std::string& a, const std::string& b) { return a == b; }

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

char process_state(pid_t pid) {
  FILE* stat = std::fopen(("/proc/" + std::to_string(pid) + "/stat").c_str(), "r");
  if (stat == nullptr) return '?';
  char buffer[512] = {};
  [[maybe_unused]] auto n = std::fread(buffer, 1, sizeof buffer - 1, stat);
  std::fclose(stat);
  const char* close = std::strrchr(buffer, ')');
  return close != nullptr && close[1] == ' ' ? close[2] : '?';
}

bool process_exists(pid_t pid) {
  char state = process_state(pid);
  return state != '?' && state != 'Z' && state != 'X';
}

std::string unique_marker() {
  static std::mt19937 random(std::random_device{}());
  return "300." + std::to_string(100000 + random() % 900000);
}

pid_t process_with_argument(const std::string& argument, const std::string& program) {
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return -1;
  pid_t found = -1;
  while (auto* entry = ::readdir(proc)) {
    char* end = nullptr;
    long pid = std::strtol(entry->d_name, &end, 10);
    if (*end != '\0' || pid <= 0) continue;
    std::ifstream cmdline(std::string("/proc/") + entry->d_name + "/cmdline", std::ios::binary);
    std::string word;
    bool first = true;
    while (found < 0 && std::getline(cmdline, word, '\0')) {
      if (first && !program.empty() && word != program && !word.ends_with("/" + program)) break;
      first = false;
      if (word == argument && process_exists(static_cast<pid_t>(pid))) found = static_cast<pid_t>(pid);
    }
    if (found > 0) break;
  }
  ::closedir(proc);
  return found;
}

bool no_process_with_argument_within(const std::string& argument, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (process_with_argument(argument) > 0) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace saferun::test
