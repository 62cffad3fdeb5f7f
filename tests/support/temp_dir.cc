#include <chrono>
#include <thread>

#include "tests/support/temp_dir.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace saferun::test {

TempDir::TempDir() {
  std::string pattern = "/tmp/safe-run-test-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string TempDir::write(const std::string& name, const std::string& content, unsigned mode) const {
  auto full = path_ + "/" + name;
  {
    std::ofstream out(full, std::ios::binary | std::ios::trunc);
    out << content;
  }
  ::chmod(full.c_str(), mode);
  return full;
}

std::string read_audit_log(const std::string& path) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  std::string text = read_file(path), last;
  while (std::chrono::steady_clock::now() < deadline && (text.empty() || text != last)) {
    last = text;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    text = read_file(path);
  }
  return text;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace saferun::test
