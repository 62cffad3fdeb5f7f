#!/usr/bin/env bash
# Codex CLI (pinned in package-lock.json) through safe-run with `--budget-usd` and no config:
# it must still answer over the WebSocket relay (the policy meters each response.create
# message; no fallback to HTTP), and the summary must show the turn's cost from the usage the
# fake's response.completed reported. `-m gpt-5`: a USD budget refuses a model the price table
# does not list, and Codex 0.171's default (gpt-6.2-sol) is not listed. Kept apart from run.sh (another issue's file); the
# helpers are the same, in small.
#   codex_budget.sh SAFE_RUN_BINARY FAKE_UPSTREAM_BINARY
set -euo pipefail
safe_run=$(realpath "$1")
fake_upstream=$(realpath "$2")
here=$(cd "$(dirname "$0")" && pwd)
bin=$here/node_modules/.bin
if [ ! -x "$bin/codex" ]; then
  echo "FAIL: $here/node_modules is missing: run 'npm ci --prefix tests/agents' (./dev.sh test does)" >&2
  exit 1
fi
work=$(mktemp -d)
fake_pid=
trap '[ -z "$fake_pid" ] || kill "$fake_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; echo "outputs: $work" >&2; trap - EXIT; exit 1; }

# The fake upstream (TLS + WebSocket) serves until its stdin closes.
mkfifo "$work/stdin"
"$fake_upstream" --tls "$work" --ws <"$work/stdin" >"$work/ports" &
fake_pid=$!
exec {holder}>"$work/stdin"
for _ in $(seq 100); do
  [ "$(wc -l <"$work/ports")" -ge 2 ] && break
  sleep 0.1
done
wsport=$(awk '$1 == "WSPORT" {print $2}' "$work/ports")
[ -n "$wsport" ] || fail "the fake upstream did not start"

key="sk-proj-budget-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
home=$work/home
mkdir -p "$home" "$work/runtime" && chmod 700 "$work/runtime"
status=0
(cd "$home" && env -i PATH="$bin:/usr/local/bin:/usr/bin:/bin" HOME="$home" LANG=C.UTF-8 \
  XDG_RUNTIME_DIR="$work/runtime" SSL_CERT_FILE="$work/ca.pem" HTTPS_PROXY=http://127.0.0.1:9 \
  HTTP_PROXY=http://127.0.0.1:9 OPENAI_API_KEY="$key" OPENAI_BASE_URL="https://localhost:$wsport/v1" \
  timeout 90 "$safe_run" -v --budget-usd 1 --summary-json "$work/summary.json" -- \
  codex exec --skip-git-repo-check -m gpt-5 "Say hello" >"$work/run.out" 2>"$work/run.err" </dev/null) || status=$?
[ "$status" = 0 ] || { cat "$work/run.out" "$work/run.err" >&2; fail "codex exec under --budget-usd exited $status"; }
grep -q "Hello from fake" "$work/run.out" || fail "codex exec printed no answer"
grep -q "GET /openai/v1/responses -> 101 allowed" "$work/run.err" || fail "codex did not use the WebSocket relay"
if grep -q "POST /openai/v1/responses" "$work/run.err"; then fail "codex fell back to HTTP"; fi
if grep -rqaF -e "$key" "$home" "$work/run.out" "$work/run.err"; then fail "the key was left in codex's output or home"; fi
# The fake reports 11 input tokens (2 cached) and 7 output for each turn.
node - "$work/summary.json" <<'JS' || fail "the summary does not show the WebSocket turn's usage"
const usage = JSON.parse(require("fs").readFileSync(process.argv[2], "utf8")).usage;
const total = usage.total, tokens = total.tokens, n = total.requests;
const check = (ok, what) => { if (!ok) { console.error(what, JSON.stringify(usage)); process.exit(1); } };
check(n >= 1, "no metered request");
check(tokens.input_tokens === 9 * n && tokens.cache_read_tokens === 2 * n && tokens.output_tokens === 7 * n, "tokens");
check(total.cost_micro_usd > 0, "no cost");
const usd = usage.limits.find((l) => l.counter.endsWith(":usd"));
check(usd && usd.reserved === 0 && usd.used === total.cost_micro_usd, "the USD limit");
JS
echo "ok: codex exec under --budget-usd answers over the WebSocket relay; the summary shows the turn's cost"
