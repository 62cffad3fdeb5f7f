// saferun-no-userns COMMAND [ARGS...]: runs COMMAND where the kernel refuses to create user
// namespaces, as on a machine with user.max_user_namespaces=0 or under a container's seccomp
// policy: a seccomp filter makes unshare(2) and clone(2) with CLONE_NEWUSER fail with EPERM,
// and clone3(2) (whose flags a filter cannot see) fail with ENOSYS, so that callers fall back
// to clone(2). Everything else is untouched.

#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <unistd.h>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: saferun-no-userns COMMAND [ARGS...]\n");
    return 2;
  }
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (ctx == nullptr) return 2;
  bool ok = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(unshare), 1,
                             SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER)) == 0 &&
            seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                             SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER)) == 0 &&
            seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0) == 0 && seccomp_load(ctx) == 0;
  seccomp_release(ctx);
  if (!ok) {
    std::fprintf(stderr, "saferun-no-userns: cannot install the seccomp filter\n");
    return 2;
  }
  ::execv(argv[1], argv + 1);
  std::perror(argv[1]);
  return 127;
}
