#!/usr/bin/env bash
# Set-up, build, demo and tests for safe-run on Debian 12.
#
#   ./dev.sh demo   install what is missing, build, run a dry-run demo session (no API key)
#   ./dev.sh test   install what is missing, build, run every test: the plain build, then
#                   AddressSanitizer+UndefinedBehaviorSanitizer, then ThreadSanitizer
#   ./dev.sh build  install what is missing and build into build/
set -euo pipefail
cd "$(dirname "$0")"

APT_PACKAGES=(build-essential cmake pkg-config libboost1.74-dev libboost-filesystem1.74-dev
  libboost-system1.74-dev nlohmann-json3-dev catch2 libcpp-httplib-dev libssl-dev openssl curl
  util-linux procps ca-certificates libseccomp-dev bubblewrap zlib1g-dev libhiredis-dev redis-server redis-tools
  strace)
JOBS=$(nproc)

say() { printf '\n==> %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_packages() {
  local missing=()
  for package in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return
  say "installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# Node.js and npm for the SDK tests: the machine's own when present, else Debian's.
install_node_packages() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    say "installing nodejs npm"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm
  fi
  if [ ! -d tests/sdk/node_modules ] || [ tests/sdk/package-lock.json -nt tests/sdk/node_modules ]; then
    say "installing the SDK test packages (npm ci, pinned by tests/sdk/package-lock.json)"
    npm ci --prefix tests/sdk --no-audit --no-fund --loglevel=error
    touch tests/sdk/node_modules
  fi
  if [ ! -d tests/claude/node_modules ] || [ tests/claude/package-lock.json -nt tests/claude/node_modules ]; then
    say "installing Claude Code for its test (npm ci, pinned by tests/claude/package-lock.json)"
    npm ci --prefix tests/claude --no-audit --no-fund --loglevel=error
    touch tests/claude/node_modules
  fi
  if [ ! -d tests/agents/node_modules ] || [ tests/agents/package-lock.json -nt tests/agents/node_modules ]; then
    say "installing the agent CLIs for their tests (npm ci, pinned by tests/agents/package-lock.json)"
    npm ci --prefix tests/agents --no-audit --no-fund --loglevel=error
    touch tests/agents/node_modules
  fi
}

# build DIR [SANITIZERS] [TARGET]
build() {
  local dir=$1 sanitize=${2:-} target=${3:-all}
  say "building $dir${sanitize:+ with -fsanitize=$sanitize}"
  # Warnings are errors in the plain build; sanitizer builds trip GCC's false positives.
  local werror=ON
  [ -n "$sanitize" ] && werror=OFF
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSAFE_RUN_SANITIZE="$sanitize" \
    -DSAFE_RUN_WERROR=$werror >/dev/null
  cmake --build "$dir" -j "$JOBS" --target "$target"
}

# run_tests DIR [LABEL]
run_tests() {
  local dir=$1 label=${2:-plain}
  say "testing $label build"
  ctest --test-dir "$dir" -j "$JOBS" --output-on-failure --timeout 300
}

demo() {
  install_packages
  build build "" safe-run
  say "demo: build/launcher/safe-run --dry-run -- examples/demo-agent.sh"
  build/launcher/safe-run --dry-run -- examples/demo-agent.sh
}

test_all() {
  install_packages
  install_node_packages
  build build
  run_tests build
  build build-asan address,undefined
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_tests build-asan "ASan+UBSan"
  build build-tsan thread
  # TSan's shadow memory needs the classic address-space layout: run without ASLR.
  TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/tests/tsan.supp" setarch "$(uname -m)" -R \
    ctest --test-dir build-tsan -j "$JOBS" --output-on-failure --timeout 300
  say "all tests passed"
}

case "${1:-}" in
  demo) demo ;;
  test) test_all ;;
  build) install_packages; build build ;;
  *) sed -n '2,9p' "$0"; exit 2 ;;
esac
