#pragma once
// Helpers for running the built safe-run binary in end-to-end tests.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace saferun::test {

// The binary under test (set by CMake).
std::string safe_run_binary();

// argv: safe-run, then `args` (after --isolation=$SAFE_RUN_E2E_ISOLATION when that is set).
std::vector<std::string> safe_run_argv(const std::vector<std::string>& args);

// A fake provider key no real service would accept; unique per call.
std::string fake_key(const std::string& prefix = "sk-ant-test-");

// `text` with every copy of `key` replaced by "<key>": what a failure message may show of
// output that should not hold the key.
std::string with_key_hidden(std::string text, const std::string& key);

// A running session whose child reports the broker URL, token and session id, then waits
// for stdin to close. The test talks to the broker directly from its own process.
class LiveSession {
 public:
  // `options` come before `--`; `env` is the complete environment safe-run gets (a private
  // XDG_RUNTIME_DIR is added).
  LiveSession(const std::vector<std::string>& options, std::vector<std::string> env);
  ~LiveSession();

  std::uint16_t port() const { return port_; }
  const std::string& token() const { return token_; }
  const std::string& session_id() const { return session_id_; }
  std::string session_dir() const;
  bool ready() const { return port_ != 0; }
  Process& process() { return *process_; }
  // Lets the child exit and waits for safe-run.
  ProcessResult end();

 private:
  TempDir runtime_;
  std::unique_ptr<Process> process_;
  std::uint16_t port_ = 0;
  std::string token_;
  std::string session_id_;
};

}  // namespace saferun::test
