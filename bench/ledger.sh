#!/usr/bin/env bash
# The shared store's cost (issue 13), in one run on loopback:
#   1. reserve+settle latency and pairs/s through the Redis ledger (TCP, Unix socket, TLS via
#      the relay) against an in-memory ledger on the same loop (build/tests/ledger-probe);
#   2. requests/s of one safe-run session without a store and with one (every audit record
#      XADDed to a stream), against nginx answering 62 bytes;
#   3. start-up: `safe-run -- true` without and with a store (connect + AUTH + PING first).
# Prints Markdown (bench/RESULTS.md keeps a dated copy).
#
#   bench/ledger.sh          (after ./dev.sh build)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
SAFE_RUN=$BUILD/launcher/safe-run
PROBE=$BUILD/tests/ledger-probe
DURATION=${DURATION:-5s}
[ -x "$SAFE_RUN" ] && [ -x "$PROBE" ] || { echo "build first: ./dev.sh build (and --target ledger-probe)" >&2; exit 1; }
for tool in wrk hyperfine nginx redis-server; do command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 1; }; done

work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { while :; do local p=$((20000 + RANDOM % 30000)); (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo $p; return; }; done; }

echo "# Shared store (Redis) benchmark"
echo
echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
echo "- machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(uname -sr); shared with other builds: noisy"
echo "- $(redis-server --version | awk '{print $1, $3}'), hiredis $(dpkg-query -W -f='${Version}' libhiredis-dev 2>/dev/null)"
echo
echo "## Reserve + settle through the ledger (one session, one connection)"
echo
"$PROBE" 5000
echo

UP=$(free_port); RP=$(free_port)
cat >"$work/upstream.conf" <<NGINX
worker_processes 1; daemon off; pid $work/up.pid; error_log $work/up-error.log;
events { worker_connections 8192; }
http { access_log off;
  server { listen 127.0.0.1:$UP; keepalive_requests 1000000;
    location / { default_type application/json; return 200 '{"data":[{"id":"claude-bench","type":"model"}],"has_more":false}'; } } }
NGINX
nginx -p "$work" -c "$work/upstream.conf" & pids+=($!)
redis-server --port "$RP" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" --logfile "$work/redis.log" \
  --requirepass bench-store-pw & pids+=($!)
sleep 1

config() {  # config NAME STORE-JSON
  cat >"$work/$1.json" <<JSON
{"routes": [{"name": "anthropic", "provider": "anthropic", "upstream": "http://127.0.0.1:$UP",
  "credential": "x-api-key: {secret}", "secret": {"env": "ANTHROPIC_API_KEY"}, "allow": ["GET /v1/models"],
  "child_env": {"ANTHROPIC_BASE_URL": "{base_url}", "ANTHROPIC_API_KEY": "{token}"}}]${2:+, \"store\": $2}}
JSON
}
config plain ""
config store "{\"url\": \"redis://127.0.0.1:$RP/0\", \"secret\": {\"env\": \"STORE_PW\"}, \"audit_stream\": {\"key\": \"bench:audit\", \"max_len\": 10000}}"

start_session() {  # start_session NAME  sets NAME_PORT, NAME_TOKEN
  local name=$1
  env -i PATH="$PATH" HOME="$work" XDG_RUNTIME_DIR="$work" ANTHROPIC_API_KEY=sk-bench-key STORE_PW=bench-store-pw \
    "$SAFE_RUN" -q --config "$work/$name.json" -- \
    sh -c "echo \"\$SAFE_RUN_BROKER_URL \$SAFE_RUN_TOKEN\" > $work/$name.broker; exec sleep 100000" &
  pids+=($!)
  while [ ! -s "$work/$name.broker" ]; do sleep 0.05; done
  printf -v "${name}_PORT" '%s' "$(awk '{print $1}' "$work/$name.broker" | sed 's/.*://')"
  printf -v "${name}_TOKEN" '%s' "$(awk '{print $2}' "$work/$name.broker")"
}
start_session plain
start_session store

wrk_run() {  # wrk_run CONNECTIONS PORT TOKEN -> "req/s p50 p99"
  local out; out=$(wrk -t1 -c"$1" -d"$DURATION" --latency -H "x-api-key: $3" "http://127.0.0.1:$2/anthropic/v1/models")
  echo "$(awk '/Requests\/sec/ {print $2}' <<<"$out") $(awk '$1 == "50%" {print $2}' <<<"$out") $(awk '$1 == "99%" {print $2}' <<<"$out")"
}
echo "## One session's requests/s without and with the store (wrk, GET, $DURATION per cell)"
echo
echo "| connections | no store req/s | store + audit stream req/s | ratio | p50 no store / store | p99 no store / store |"
echo "| --- | --- | --- | --- | --- | --- |"
for c in 1 16; do
  read -r a_rps a_p50 a_p99 <<<"$(wrk_run "$c" "$plain_PORT" "$plain_TOKEN")"
  read -r b_rps b_p50 b_p99 <<<"$(wrk_run "$c" "$store_PORT" "$store_TOKEN")"
  echo "| $c | $a_rps | $b_rps | $(awk -v a="$b_rps" -v b="$a_rps" 'BEGIN {printf "%.2f", a / b}') | $a_p50 / $b_p50 | $a_p99 / $b_p99 |"
done
echo
echo "Stream length after the run: $(redis-cli -p "$RP" -a bench-store-pw --no-auth-warning XLEN bench:audit) (MAXLEN ~ 10000)."
echo
echo "## Start-up: \`safe-run -- true\` without and with a store (hyperfine)"
echo
XDG_RUNTIME_DIR="$work" ANTHROPIC_API_KEY=sk-bench STORE_PW=bench-store-pw hyperfine -N --warmup 10 --runs 200 \
  --export-markdown "$work/hyperfine.md" "$SAFE_RUN -q --config $work/plain.json -- true" \
  "$SAFE_RUN -q --config $work/store.json -- true" >/dev/null 2>&1
sed -e "s|$SAFE_RUN|safe-run|g" -e "s|$work/||g" "$work/hyperfine.md"
