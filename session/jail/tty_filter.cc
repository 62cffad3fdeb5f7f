#include "session/jail/tty_filter.h"

#include <seccomp.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "session/setup_error.h"

namespace saferun::session::jail {
namespace {

using Context = std::unique_ptr<void, decltype(&seccomp_release)>;

void check(int rc, const char* step) {
  if (rc < 0) throw SetupError(std::string("seccomp: ") + step + ": " + std::strerror(-rc));
}

// Every ABI a process on this machine can make system calls through: without the 32-bit
// ones, `int 0x80` would be a way around the filter (libseccomp kills unknown ABIs).
void add_compat_arches(scmp_filter_ctx ctx) {
#if defined(__x86_64__)
  for (auto arch : {SCMP_ARCH_X86, SCMP_ARCH_X32}) seccomp_arch_add(ctx, arch);
#elif defined(__aarch64__)
  seccomp_arch_add(ctx, SCMP_ARCH_ARM);
#endif
}

void refuse_ioctl(scmp_filter_ctx ctx, unsigned long request) {
  // The request is an int for the kernel: compare the low 32 bits only, so garbage in the
  // upper half of the register cannot slip past.
  check(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
                         SCMP_A1(SCMP_CMP_MASKED_EQ, 0xFFFFFFFFu, request)),
        "rule");
}

// libseccomp writes the program to an fd; an unnamed temporary file receives it.
std::vector<sock_filter> export_program(scmp_filter_ctx ctx) {
  FILE* out = std::tmpfile();
  if (out == nullptr) throw SetupError(std::string("seccomp: tmpfile: ") + std::strerror(errno));
  std::unique_ptr<FILE, decltype(&std::fclose)> closer(out, &std::fclose);
  check(seccomp_export_bpf(ctx, ::fileno(out)), "export");
  long size = std::ftell(out);
  std::rewind(out);
  std::vector<sock_filter> program(static_cast<std::size_t>(size) / sizeof(sock_filter));
  if (std::fread(program.data(), sizeof(sock_filter), program.size(), out) != program.size())
    throw SetupError("seccomp: could not read the exported filter");
  return program;
}

}  // namespace

TtyFilter::TtyFilter() {
  Context ctx(seccomp_init(SCMP_ACT_ALLOW), &seccomp_release);
  if (!ctx) throw SetupError("seccomp: seccomp_init failed");
  add_compat_arches(ctx.get());
  // The child sets no_new_privs itself (or holds CAP_SYS_ADMIN in its user namespace).
  check(seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_NNP, 0), "attribute");
  refuse_ioctl(ctx.get(), TIOCSTI);
  refuse_ioctl(ctx.get(), TIOCLINUX);
  instructions_ = export_program(ctx.get());
  program_.len = static_cast<unsigned short>(instructions_.size());
  program_.filter = instructions_.data();
}

}  // namespace saferun::session::jail
