#!/usr/bin/env bash
# Claude Code (tests/claude/package-lock.json), headless (-p), through an isolated session of
# an unprivileged user (uid 65534 when run as root), against the fake upstream: it must get
# its answer, the upstream must get the real key and never the session token, the key must
# appear nowhere in the session's output, and the jail must have been in force
# (--isolation=required).
#   run.sh SAFE_RUN_BINARY FAKE_UPSTREAM_BINARY
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
claude="$here/node_modules/.bin/claude"
if [ ! -x "$claude" ]; then
  echo "FAIL: $claude is missing: run 'npm ci --prefix tests/claude' (./dev.sh test does)" >&2
  exit 1
fi
work=$(mktemp -d)
chmod 755 "$work"
cp "$1" "$work/safe-run"
coproc FAKE { exec "$2"; }
fake_pid=$FAKE_PID
trap 'kill "$fake_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
read -r _ port <&"${FAKE[0]}"
mkdir -m 700 "$work/home"
as_user=()
if [ "$(id -u)" = 0 ]; then
  chown 65534:65534 "$work/home"
  as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups --)
fi
key="sk-ant-claude-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"

status=0
env -i PATH="$here/node_modules/.bin:/usr/bin:/bin" HOME="$work/home" LANG=C.UTF-8 TERM=dumb \
  ANTHROPIC_BASE_URL="http://127.0.0.1:$port/anthropic" ANTHROPIC_API_KEY="$key" \
  CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 \
  timeout 120 "${as_user[@]}" "$work/safe-run" -v --isolation=required \
  --pass-env CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC -- claude -p "say hello" \
  >"$work/out" 2>&1 </dev/null || status=$?
cat "$work/out"
fail() { echo "FAIL: $*" >&2; exit 1; }
[ "$status" -eq 0 ] || fail "claude -p under safe-run exited $status"
grep -q "Hello from fake" "$work/out" || fail "Claude Code did not print the fake upstream's answer"
grep -q "(isolated)" "$work/out" || fail "the session was not isolated"
grep -qF "$key" "$work/out" && fail "the key appeared in the session's output"
curl -s "http://127.0.0.1:$port/_fake/requests" >"$work/requests"
grep -qF "\"x-api-key\":\"$key\"" "$work/requests" || fail "the upstream did not get the real key"
grep -q "srt_" "$work/requests" && fail "the session token reached the upstream"
echo "Claude Code -p through an isolated session: OK"
