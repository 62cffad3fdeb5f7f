#include "tests/e2e/safe_run.h"

#include <openssl/rand.h>

#include <cstdlib>
#include <sstream>

namespace saferun::test {

std::string safe_run_binary() { return SAFE_RUN_BINARY; }

std::vector<std::string> safe_run_argv(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {safe_run_binary()};
  // CTest runs the supervision, terminal and teardown suites once more with isolation off.
  if (const char* mode = std::getenv("SAFE_RUN_E2E_ISOLATION"); mode != nullptr && *mode != '\0')
    argv.push_back(std::string("--isolation=") + mode);
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

std::string fake_key(const std::string& prefix) {
  unsigned char bytes[12];
  RAND_bytes(bytes, sizeof bytes);
  std::string out = prefix;
  for (unsigned char b : bytes) out += "0123456789abcdef"[b >> 4], out += "0123456789abcdef"[b & 15];
  return out;
}

std::string with_key_hidden(std::string text, const std::string& key) {
  for (auto at = text.find(key); at != std::string::npos; at = text.find(key, at)) text.replace(at, key.size(), "<key>");
  return text;
}

LiveSession::LiveSession(const std::vector<std::string>& options, std::vector<std::string> env) {
  env.push_back("XDG_RUNTIME_DIR=" + runtime_.path());
  auto args = options;
  args.insert(args.end(), {"--", "/bin/sh", "-c",
                           "printf 'READY %s %s %s\\n' \"$SAFE_RUN_BROKER_URL\" \"$SAFE_RUN_TOKEN\" "
                           "\"$SAFE_RUN_SESSION\"; read -r _; exit 0"});
  process_ = std::make_unique<Process>(safe_run_argv(args), env);
  if (!process_->wait_for_stdout("\n", std::chrono::seconds(20))) return;
  std::istringstream line(process_->out().substr(process_->out().find("READY")));
  std::string ready, url;
  line >> ready >> url >> token_ >> session_id_;
  auto colon = url.rfind(':');
  if (colon != std::string::npos) port_ = static_cast<std::uint16_t>(std::stoi(url.substr(colon + 1)));
}

LiveSession::~LiveSession() = default;

std::string LiveSession::session_dir() const { return runtime_.path() + "/safe-run/" + session_id_; }

ProcessResult LiveSession::end() {
  process_->close_stdin();
  return process_->finish(std::chrono::seconds(20));
}

}  // namespace saferun::test
