#pragma once
// A private temporary directory for one test, removed with everything in it.

#include <string>

namespace saferun::test {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // Writes `content` to path()/name with `mode`; returns the full path.
  std::string write(const std::string& name, const std::string& content, unsigned mode = 0600) const;

 private:
  std::string path_;
};

std::string read_file(const std::string& path);  // "" when it cannot be read

}  // namespace saferun::test
