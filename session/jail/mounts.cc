#include "session/jail/mounts.h"

#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <cerrno>

namespace saferun::session::jail {
namespace {

JailReport failed(JailStage stage, int index = -1) {
  JailReport report;
  report.stage = stage;
  report.error = errno;
  report.index = index;
  return report;
}

bool exists(const std::string& path) {
  struct stat info{};
  return ::stat(path.c_str(), &info) == 0;
}

// A remount in a user namespace must keep the flags that lock the original mount
// (nosuid, nodev, noexec, atime), or the kernel refuses it.
unsigned long locked_flags(const std::string& path) {
  struct statvfs info{};
  if (::statvfs(path.c_str(), &info) != 0) return 0;
  unsigned long flags = 0;
  if (info.f_flag & ST_NOSUID) flags |= MS_NOSUID;
  if (info.f_flag & ST_NODEV) flags |= MS_NODEV;
  if (info.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
  if (info.f_flag & ST_NOATIME) flags |= MS_NOATIME;
  if (info.f_flag & ST_NODIRATIME) flags |= MS_NODIRATIME;
  if (info.f_flag & ST_RELATIME) flags |= MS_RELATIME;
  return flags;
}

bool bind_read_only(const std::string& path) {
  if (::mount(path.c_str(), path.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0) return false;
  return ::mount(nullptr, path.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | locked_flags(path), nullptr) == 0;
}

// A directory gets an empty, read-only tmpfs nobody may enter; a file gets /dev/null.
bool hide(const std::string& path) {
  struct stat info{};
  if (::stat(path.c_str(), &info) != 0) return false;
  if (S_ISDIR(info.st_mode))
    return ::mount("tmpfs", path.c_str(), "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                   "mode=000,size=4k") == 0;
  return ::mount("/dev/null", path.c_str(), nullptr, MS_BIND, nullptr) == 0;
}

}  // namespace

JailReport apply_mounts(const JailPaths& paths) {
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) != 0) return failed(JailStage::propagation);
  if (::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0)
    return failed(JailStage::proc);
  for (std::size_t i = 0; i < paths.read_only.size(); ++i) {
    if (exists(paths.read_only[i]) && !bind_read_only(paths.read_only[i]))
      return failed(JailStage::read_only, static_cast<int>(i));
  }
  for (std::size_t i = 0; i < paths.hidden.size(); ++i) {
    if (exists(paths.hidden[i]) && !hide(paths.hidden[i])) return failed(JailStage::hide, static_cast<int>(i));
  }
  return {};
}

}  // namespace saferun::session::jail
