#pragma once
// Runs a real process for end-to-end tests: argv and a complete environment in, stdout,
// stderr and the shell-style exit status out, always with a bounded wait.

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace saferun::test {

struct ProcessResult {
  int status = -1;  // exit code, or 128+N for signal N, -1 if it had to be killed on timeout
  bool timed_out = false;
  std::string out;
  std::string err;
};

class Process {
 public:
  // Starts argv with exactly `env`; stdin is a pipe the test may write to or close.
  // `inherit` maps child fd numbers to fds of this process the child gets there.
  Process(const std::vector<std::string>& argv, const std::vector<std::string>& env,
          const std::vector<std::pair<int, int>>& inherit = {});
  ~Process();  // kills and reaps if still running
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  void write_stdin(const std::string& data);
  void close_stdin();
  // Reads until stdout holds `needle`; false on timeout or EOF. Collected output is kept.
  bool wait_for_stdout(const std::string& needle, std::chrono::milliseconds timeout);
  bool wait_for_stderr(const std::string& needle, std::chrono::milliseconds timeout);
  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }
  // Waits for exit (killing it after `timeout`), collecting the rest of its output.
  ProcessResult finish(std::chrono::milliseconds timeout = std::chrono::seconds(30));

 private:
  bool pump(std::chrono::milliseconds budget);  // reads what is available; false when both EOF
  bool wait_for(const std::string& stream, const std::string& needle, std::chrono::milliseconds timeout);

  pid_t pid_ = -1;
  int in_ = -1, out_fd_ = -1, err_fd_ = -1;
  std::string out_, err_;
  bool reaped_ = false;
  int raw_status_ = 0;
};

ProcessResult run_process(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                          std::chrono::milliseconds timeout = std::chrono::seconds(30));

// PATH, HOME, LANG, plus `extra` ("NAME=value"), which replaces a default of the same name.
std::vector<std::string> base_env(const std::vector<std::string>& extra = {});

// True when `haystack` holds `needle`; a bool so a failing CHECK never prints a secret.
bool contains(const std::string& haystack, const std::string& needle);

// a == b, as a bool for the same reason: CHECK(a == b) would print both values on failure.
bool same_secret(const std::string& a, const std::string& b);

// The state letter of a process from /proc/<pid>/stat ('T' stopped, 'S' sleeping, ...); '?' if gone.
char process_state(pid_t pid);

// Alive: present and neither a zombie nor dead.
bool process_exists(pid_t pid);

// A fresh number-like word ("300.123456", a valid `sleep` duration) to pass as an argument,
// so that a process can be found from outside whatever PID namespace it runs in.
std::string unique_marker();

// A live process (as above) with `argument` as one of its arguments — and, when `program` is
// given, with that as the last part of its argv[0] — or -1.
pid_t process_with_argument(const std::string& argument, const std::string& program = "");

// Waits up to `timeout` for process_with_argument(argument) to return -1.
bool no_process_with_argument_within(const std::string& argument, std::chrono::milliseconds timeout);

}  // namespace saferun::test
