#include "session/session_dir.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "session/setup_error.h"

namespace saferun::session {
namespace fs = std::filesystem;

namespace {

constexpr const char* kOwnerFile = "owner";

// Field 22 of /proc/<pid>/stat: the start time that tells a pid from its reuse.
std::string process_start_time(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close = stat.rfind(')');
  if (close == std::string::npos) return {};
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  for (int i = 3; i <= 22 && fields >> field; ++i) {}
  return field;
}

std::string owner_record(pid_t pid) { return std::to_string(pid) + " " + process_start_time(pid); }

// A directory without an owner record yet may be a session being created right now.
bool is_recent(const fs::path& dir) {
  struct stat info{};
  return ::lstat(dir.c_str(), &info) == 0 && ::time(nullptr) - info.st_mtime < 60;
}

bool owner_is_alive(const fs::path& dir) {
  std::ifstream in(dir / kOwnerFile);
  pid_t pid = 0;
  std::string start;
  if (!in) return is_recent(dir);
  if (!(in >> pid >> start) || pid <= 0) return false;
  return process_start_time(pid) == start;
}

// True when `root` is (or now is) a private directory of ours.
bool is_private_root(const std::string& root) {
  if (::mkdir(root.c_str(), 0700) != 0 && errno != EEXIST) return false;
  struct stat info{};
  return ::lstat(root.c_str(), &info) == 0 && S_ISDIR(info.st_mode) && info.st_uid == ::geteuid() &&
         (info.st_mode & 077) == 0;
}

// The shared root is predictable (/tmp/safe-run-<uid>): another user may have made it first,
// or planted something there. Then this session uses a fresh, unpredictable root of its own.
std::string fallback_root(const std::string& root) {
  std::string pattern = root + "-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr)
    throw SetupError(root + ": not a private directory owned by this user, and no fallback: " + std::strerror(errno));
  return pattern;
}

}  // namespace

std::string session_root(const EnvLookup& getenv) {
  if (const char* runtime = getenv("XDG_RUNTIME_DIR"); runtime != nullptr && *runtime == '/') {
    struct stat info{};
    if (::stat(runtime, &info) == 0 && S_ISDIR(info.st_mode) && ::access(runtime, W_OK) == 0)
      return std::string(runtime) + "/safe-run";
  }
  const char* tmp = getenv("TMPDIR");
  std::string base = (tmp != nullptr && *tmp == '/') ? tmp : "/tmp";
  return base + "/safe-run-" + std::to_string(::geteuid());
}

int remove_stale_sessions(const std::string& root) {
  int removed = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    if (!entry.is_directory(ec) || entry.is_symlink(ec) || owner_is_alive(entry.path())) continue;
    if (fs::remove_all(entry.path(), ec) > 0) ++removed;
  }
  return removed;
}

SessionDir::SessionDir(const EnvLookup& getenv, const std::string& session_id) {
  auto root = session_root(getenv);
  if (is_private_root(root)) {
    remove_stale_sessions(root);
  } else {
    root = fallback_root(root);
    own_root_ = root;
  }
  path_ = root + "/" + session_id;
  if (::mkdir(path_.c_str(), 0700) != 0)
    throw SetupError(path_ + ": cannot create session directory: " + std::strerror(errno));
  std::ofstream owner(path_ + "/" + kOwnerFile);
  owner << owner_record(::getpid()) << '\n';
  if (!owner) throw SetupError(path_ + ": cannot write owner file");
}

SessionDir::~SessionDir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
  if (!own_root_.empty()) ::rmdir(own_root_.c_str());
}

}  // namespace saferun::session
