#include "session/command_path.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "session/exit_status.h"

namespace saferun::session {
namespace {

constexpr std::string_view kDefaultPath = "/usr/local/bin:/usr/bin:/bin";

enum class Candidate { missing, not_executable, runnable };

Candidate inspect(const std::string& path) {
  struct stat info{};
  if (::stat(path.c_str(), &info) != 0) return Candidate::missing;
  if (S_ISDIR(info.st_mode) || ::access(path.c_str(), X_OK) != 0) return Candidate::not_executable;
  return Candidate::runnable;
}

ResolvedCommand failure(int status, std::string_view name, const char* why) {
  return {status, {}, std::string(name) + ": " + why};
}

}  // namespace

ResolvedCommand resolve_command(std::string_view name, std::string_view child_path) {
  if (name.empty()) return failure(exit_code::kNotFound, name, "command not found");
  if (name.find('/') != std::string_view::npos) {
    switch (inspect(std::string(name))) {
      case Candidate::runnable: return {0, std::string(name), {}};
      case Candidate::not_executable: return failure(exit_code::kCannotExecute, name, "Permission denied");
      case Candidate::missing: return failure(exit_code::kNotFound, name, "No such file or directory");
    }
  }
  if (child_path.empty()) child_path = kDefaultPath;
  bool saw_unexecutable = false;
  while (true) {
    auto colon = child_path.find(':');
    auto dir = child_path.substr(0, colon);
    std::string candidate = (dir.empty() ? std::string(".") : std::string(dir)) + "/" + std::string(name);
    switch (inspect(candidate)) {
      case Candidate::runnable: return {0, candidate, {}};
      case Candidate::not_executable: saw_unexecutable = true; break;
      case Candidate::missing: break;
    }
    if (colon == std::string_view::npos) break;
    child_path.remove_prefix(colon + 1);
  }
  return saw_unexecutable ? failure(exit_code::kCannotExecute, name, "Permission denied")
                          : failure(exit_code::kNotFound, name, "command not found");
}

}  // namespace saferun::session
