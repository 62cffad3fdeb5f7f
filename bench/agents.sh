#!/usr/bin/env bash
# Codex through safe-run against Codex direct, and the WebSocket relay's per-frame delay, in
# one run against the same TLS WebSocket fake upstream (tests/support/fake_ws_upstream.h).
#
#   bench/agents.sh     (after ./dev.sh build and npm ci --prefix tests/agents)
#
# Prints a Markdown section for bench/RESULTS.md. Loopback only; bounded runs.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
BUILD=${BUILD:-build}
SAFE_RUN=$root/$BUILD/launcher/safe-run
FAKE=$root/$BUILD/tests/fake-upstream
PROBE=$root/$BUILD/tests/ws-probe
CODEX=$root/tests/agents/node_modules/.bin/codex
RUNS=${RUNS:-15}
FRAMES=${FRAMES:-100}
for needed in "$SAFE_RUN" "$FAKE" "$PROBE" "$CODEX"; do
  [ -x "$needed" ] || { echo "missing $needed: ./dev.sh build; npm ci --prefix tests/agents" >&2; exit 1; }
done
command -v hyperfine >/dev/null || { echo "hyperfine is needed (apt-get install hyperfine)" >&2; exit 1; }

work=$(mktemp -d)
mkfifo "$work/stdin"
"$FAKE" --tls "$work" --ws <"$work/stdin" >"$work/ports" &
fake_pid=$!
exec 7>"$work/stdin"
trap 'exec 7>&-; wait "$fake_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do [ "$(wc -l <"$work/ports")" -ge 2 ] && break; sleep 0.1; done
WSPORT=$(awk '$1 == "WSPORT" {print $2}' "$work/ports")
mkdir -p "$work/home" "$work/runtime" && chmod 700 "$work/runtime"
KEY=sk-proj-bench-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
clean_env=(env -i PATH="$(dirname "$CODEX"):/usr/bin:/bin" HOME="$work/home" XDG_RUNTIME_DIR="$work/runtime"
  SSL_CERT_FILE="$work/ca.pem" HTTPS_PROXY=http://127.0.0.1:9 NO_PROXY=127.0.0.1,localhost)
prompt=(exec --skip-git-repo-check "Say hello")
# Direct: the same provider settings the codex profile gives, pointed at the fake itself.
p=model_providers.direct
direct="${clean_env[*]} OPENAI_API_KEY=$KEY $CODEX -c model_provider=direct -c $p.name=direct -c $p.base_url=https://localhost:$WSPORT/v1 -c $p.env_key=OPENAI_API_KEY -c $p.wire_api=responses -c $p.supports_websockets=true -c features.shell_snapshot=false ${prompt[*]:0:2} 'Say hello'"
brokered="${clean_env[*]} OPENAI_API_KEY=$KEY OPENAI_BASE_URL=https://localhost:$WSPORT/v1 $SAFE_RUN -q -- codex ${prompt[*]:0:2} 'Say hello'"

# No fallback: the brokered run must use the WebSocket and nothing else.
"${clean_env[@]}" OPENAI_API_KEY="$KEY" OPENAI_BASE_URL="https://localhost:$WSPORT/v1" \
  "$SAFE_RUN" -v -- codex "${prompt[@]}" >"$work/check.out" 2>"$work/check.err"
grep -q "Hello from fake" "$work/check.out" || { cat "$work/check.err" >&2; echo "codex gave no answer" >&2; exit 1; }
transports=$(grep -c -- "-> " "$work/check.err" || true)
upgrades=$(grep -c "GET /openai/v1/responses -> 101" "$work/check.err" || true)

hyperfine -N --warmup 2 --runs "$RUNS" --export-json "$work/codex.json" -n direct "$direct" -n safe-run "$brokered" \
  >"$work/hyperfine.txt" 2>&1 || { cat "$work/hyperfine.txt" >&2; exit 1; }
read -r direct_ms direct_sd brokered_ms brokered_sd < <(python3 - "$work/codex.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
print(" ".join(f"{r[n][k]*1000:.1f}" for n in ("direct", "safe-run") for k in ("mean", "stddev")))
PY
)

direct_frames=$("$PROBE" "$WSPORT" /v1/responses "$FRAMES" --tls "$work/ca.pem" "Authorization:Bearer $KEY")
brokered_frames=$("${clean_env[@]}" OPENAI_API_KEY="$KEY" OPENAI_BASE_URL="https://localhost:$WSPORT/v1" \
  "$SAFE_RUN" -q -- sh -c 'exec "$0" "${SAFE_RUN_BROKER_URL##*:}" /openai/v1/responses "$1" "Authorization:Bearer $OPENAI_API_KEY"' \
  "$PROBE" "$FRAMES")
field() { echo "$1" | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k {print $2}'; }

cat <<MD
## Agents: Codex over the WebSocket relay ($(date -u +%Y-%m-%d), $(nproc) cores, shared and noisy)

Codex CLI $("$CODEX" --version | awk '{print $2}') \`exec\` of one turn against the TLS WebSocket fake upstream, direct
(the codex profile's provider settings, pointed at the fake) and through \`safe-run -- codex\` (no config: the
codex profile), $RUNS runs each after 2 warm-ups (hyperfine). The brokered check run made
$transports request(s) to the broker, $upgrades of them the WebSocket upgrade (101): no fallback.

| | mean | σ |
| --- | --- | --- |
| Codex direct | ${direct_ms} ms | ${direct_sd} ms |
| Codex through safe-run | ${brokered_ms} ms | ${brokered_sd} ms |
| added | $(python3 -c "print(f'{$brokered_ms - $direct_ms:+.1f}')") ms | |

Per-frame delay, the fake sending one frame every 20 ms with its send time in it, $FRAMES frames
(\`ws-probe\`): direct over TLS vs through the broker (plain WebSocket to the broker, TLS upstream).

| | mean | p50 | max |
| --- | --- | --- | --- |
| direct | $(field "$direct_frames" mean_us) µs | $(field "$direct_frames" p50_us) µs | $(field "$direct_frames" max_us) µs |
| through safe-run | $(field "$brokered_frames" mean_us) µs | $(field "$brokered_frames" p50_us) µs | $(field "$brokered_frames" max_us) µs |
MD
