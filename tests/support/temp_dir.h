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
// A live session's audit log once its batch is written (AuditLog::kFlushDelay after a request):
// waits, at most 2 s, until the file holds a line and has not grown for a few flush delays.
std::string read_audit_log(const std::string& path);

}  // namespace saferun::test
