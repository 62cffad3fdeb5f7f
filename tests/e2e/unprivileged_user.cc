#include "tests/e2e/unprivileged_user.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "tests/e2e/safe_run.h"

namespace saferun::test {
namespace {

constexpr uid_t kNobody = 65534;

void give_to_user(const std::string& path) {
  if (::geteuid() == 0 && ::lchown(path.c_str(), kNobody, kNobody) != 0)
    throw std::runtime_error("chown " + path);
}

}  // namespace

UnprivilegedUser::UnprivilegedUser() {
  ::chmod(base_.path().c_str(), 0755);
  home_ = make_dir("home");
  runtime_ = make_dir("runtime");
  tmp_ = make_dir("tmp");
  safe_run_ = install_copy(safe_run_binary(), "safe-run", 0755);
  attacker_ = install_copy(JAIL_ATTACKER_BINARY, "saferun-jail-attacker", 0755);
}

std::string UnprivilegedUser::make_dir(const std::string& relative) const {
  auto path = (relative == "home" || relative == "runtime" || relative == "tmp" ? base_.path() : home_) + "/" + relative;
  std::filesystem::create_directories(path);
  ::chmod(path.c_str(), 0700);
  for (auto dir = std::filesystem::path(path); dir.string().size() > base_.path().size(); dir = dir.parent_path())
    give_to_user(dir.string());
  return path;
}

std::string UnprivilegedUser::make_file(const std::string& relative, const std::string& content) const {
  auto path = home_ + "/" + relative;
  auto parent = std::filesystem::path(relative).parent_path();
  if (!parent.empty()) make_dir(parent.string());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
  ::chmod(path.c_str(), 0600);
  give_to_user(path);
  return path;
}

std::vector<std::string> UnprivilegedUser::as_user(const std::vector<std::string>& argv) const {
  std::vector<std::string> out;
  if (::geteuid() == 0) out = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

std::vector<std::string> UnprivilegedUser::env(const std::vector<std::string>& extra) const {
  std::vector<std::string> out = {"PATH=/usr/bin:/bin", "HOME=" + home_, "LANG=C.UTF-8", "TMPDIR=" + tmp_,
                                  "XDG_RUNTIME_DIR=" + runtime_, "TERM=xterm", "PS1=$ "};
  out.insert(out.end(), extra.begin(), extra.end());
  return out;
}

std::string UnprivilegedUser::install_copy(const std::string& file, const std::string& name, unsigned mode) const {
  auto copy = base_.path() + "/" + name;
  std::filesystem::copy_file(file, copy, std::filesystem::copy_options::overwrite_existing);
  ::chmod(copy.c_str(), mode);
  return copy;
}

}  // namespace saferun::test
