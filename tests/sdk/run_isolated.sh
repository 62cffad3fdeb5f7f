#!/usr/bin/env bash
# The SDK suite (run.sh) through an isolated session of an unprivileged user, so that the jail
# includes its user namespace: as root, as uid 65534 through setpriv, with copies of the
# binaries that user can reach; otherwise as the current user. Fails if isolation was not in
# force.
#   run_isolated.sh SAFE_RUN_BINARY FAKE_UPSTREAM_BINARY
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
cp "$1" "$2" "$work/"
mkdir -m 700 "$work/home"
as_user=()
if [ "$(id -u)" = 0 ]; then
  chown 65534:65534 "$work/home"
  as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups --)
fi
HOME="$work/home" TMPDIR=/tmp "${as_user[@]}" bash "$here/run.sh" "$work/$(basename "$1")" "$work/$(basename "$2")" \
  | tee "$work/out"
if grep -q "isolation unavailable" "$work/out"; then
  echo "FAIL: the session ran without isolation" >&2
  exit 1
fi
