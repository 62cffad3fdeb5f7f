#pragma once
// Runs a program on a fresh pseudo-terminal, as a terminal emulator would: the program is a
// session leader with the pty as its controlling terminal; the test types into the master
// side and reads what the program writes.

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "tests/support/process.h"

namespace saferun::test {

class PtyProcess {
 public:
  PtyProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env,
             unsigned short rows = 24, unsigned short cols = 80);
  ~PtyProcess();
  PtyProcess(const PtyProcess&) = delete;
  PtyProcess& operator=(const PtyProcess&) = delete;

  pid_t pid() const { return pid_; }
  void type(const std::string& keys);
  void resize(unsigned short rows, unsigned short cols);
  // Reads until the output holds `needle` (from `from` on); false on timeout.
  bool wait_for(const std::string& needle, std::chrono::milliseconds timeout, std::size_t from = 0);
  const std::string& output() const { return output_; }
  ProcessResult finish(std::chrono::milliseconds timeout = std::chrono::seconds(20));

 private:
  void pump(std::chrono::milliseconds budget);

  pid_t pid_ = -1;
  int master_ = -1;
  std::string output_;
  bool reaped_ = false;
};

std::size_t count_of(const std::string& haystack, const std::string& needle);

}  // namespace saferun::test
