#!/usr/bin/env bash
# Start-up and teardown of a session, isolation on against off: `safe-run -- true` with
# --isolation=off, with the jail as the current user (root needs no user namespace), and —
# when run as root — with the jail as an unprivileged user (uid 65534), which adds the user
# namespace. hyperfine, 300 runs each, after 20 warm-ups; and, where perf is installed, the
# CPU time (task-clock of the whole process tree, 100 runs), which a busy machine inflates far
# less than the wall clock.
#
#   bench/startup.sh [path/to/safe-run]      (default: build/launcher/safe-run)
set -euo pipefail
cd "$(dirname "$0")/.."
binary=$(realpath "${1:-build/launcher/safe-run}")
command -v hyperfine >/dev/null || { echo "bench/startup.sh needs hyperfine (apt-get install hyperfine)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
cp "$binary" "$work/safe-run"
mkdir -m 700 "$work/home" "$work/runtime"
export HOME="$work/home" XDG_RUNTIME_DIR="$work/runtime"
sr="$work/safe-run"

echo "## safe-run -- true, isolation off vs on ($(date -u +%F), $(nproc) cores, $(uname -r))"
echo
echo "### as $(id -un)"
hyperfine -N --warmup 20 --runs 300 --export-markdown "$work/self.md" \
  "true" "$sr -q --dry-run --isolation=off -- true" "$sr -q --dry-run --isolation=required -- true" >/dev/null 2>&1
sed "s|$work/||g" "$work/self.md"

if [ "$(id -u)" = 0 ]; then
  mkdir -m 700 "$work/home2" "$work/runtime2"
  chown 65534:65534 "$work/home2" "$work/runtime2"
  export HOME="$work/home2" XDG_RUNTIME_DIR="$work/runtime2"
  as_nobody="setpriv --reuid=65534 --regid=65534 --clear-groups --"
  echo
  echo "### as uid 65534 (the jail adds a user namespace)"
  hyperfine -N --warmup 20 --runs 300 --export-markdown "$work/nobody.md" \
    "$as_nobody true" "$as_nobody $sr -q --dry-run --isolation=off -- true" \
    "$as_nobody $sr -q --dry-run --isolation=required -- true" >/dev/null 2>&1
  sed "s|$work/||g; s|setpriv --reuid=65534 --regid=65534 --clear-groups -- ||g" "$work/nobody.md"
fi

if command -v perf >/dev/null; then
  echo
  echo "### CPU time (perf stat -r 100, task-clock of the process tree$([ "$(id -u)" = 0 ] && echo ', as uid 65534'))"
  echo
  echo "| command | task-clock [ms] | wall [ms] |"
  echo "| --- | ---: | ---: |"
  prefix=()
  [ "$(id -u)" = 0 ] && prefix=(setpriv --reuid=65534 --regid=65534 --clear-groups --)
  for mode in none off required; do
    cmd=("${prefix[@]}" "$sr" -q --dry-run "--isolation=$mode" -- true)
    [ "$mode" = none ] && cmd=("${prefix[@]}" true)
    stats=$(perf stat -r 100 -e task-clock -x, -- "${cmd[@]}" 2>&1 >/dev/null | grep task-clock | cut -d, -f1)
    start=$(date +%s%N)
    for _ in $(seq 100); do "${cmd[@]}" >/dev/null 2>&1; done
    wall=$(( ($(date +%s%N) - start) / 1000000 ))  # per run, in 1/100 ms
    label=$([ "$mode" = none ] && echo "true" || echo "safe-run --isolation=$mode -- true")
    printf '| `%s` | %.2f | %d.%02d |\n' "$label" "$stats" $((wall / 100)) $((wall % 100))
  done
fi
