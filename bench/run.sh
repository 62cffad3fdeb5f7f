#!/usr/bin/env bash
# Measures safe-run against the same upstreams, in one run, next to the alternatives:
# the upstream direct, and nginx as a reverse proxy that adds the header (the fast thing a
# user could pick instead). Prints a Markdown report (bench/RESULTS.md keeps a dated copy).
#
#   bench/run.sh            (after ./dev.sh build; installs wrk, hyperfine and nginx if missing)
#
# Loopback only; every load is bounded in time.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
SAFE_RUN=$BUILD/launcher/safe-run
FAKE=$BUILD/tests/fake-upstream
PROBE=$BUILD/tests/sse-probe
DURATION=${DURATION:-5s}

for tool in wrk hyperfine nginx curl; do
  command -v "$tool" >/dev/null || { sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get install -y -qq wrk hyperfine nginx-light curl >/dev/null; break; }
done
[ -x "$SAFE_RUN" ] && [ -x "$FAKE" ] && [ -x "$PROBE" ] || { echo "build first: ./dev.sh build" >&2; exit 1; }

work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { while :; do local p=$((20000 + RANDOM % 30000)); (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo $p; return; }; done; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }

# --- upstreams: nginx (plain and TLS, one worker) and the streaming fake -------------------
exec 7< <(sleep 100000)
"$FAKE" --tls "$work" <&7 >"$work/fake-tls.port" & pids+=($!)
"$FAKE" <&7 >"$work/fake.port" & pids+=($!)
sleep 1
FAKE_PORT=$(awk '{print $2}' "$work/fake.port")
UP=$(free_port); UPTLS=$(free_port); PX=$(free_port)
cat >"$work/upstream.conf" <<NGINX
worker_processes 1; daemon off; pid $work/up.pid; error_log $work/up-error.log;
events { worker_connections 8192; }
http {
  access_log off;
  log_format conn '\$connection';
  server { listen 127.0.0.1:$UP; keepalive_requests 1000000;
    location / { default_type application/json; return 200 '{"data":[{"id":"claude-bench","type":"model"}],"has_more":false}'; } }
  server { listen 127.0.0.1:$UPTLS ssl; ssl_certificate $work/server.pem; ssl_certificate_key $work/server-key.pem;
    keepalive_requests 1000000; access_log $work/tls-access.log conn;
    location / { default_type application/json; return 200 '{}'; } }
}
NGINX
cat >"$work/proxy.conf" <<NGINX
worker_processes 1; daemon off; pid $work/px.pid; error_log $work/px-error.log;
events { worker_connections 8192; }
http {
  access_log off;
  upstream plain { server 127.0.0.1:$UP; keepalive 256; }
  upstream tls { server 127.0.0.1:$UPTLS; keepalive 64; }
  upstream fake { server 127.0.0.1:$FAKE_PORT; keepalive 64; }
  server { listen 127.0.0.1:$PX;
    proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header x-api-key "sk-bench-key";
    location / { proxy_pass http://plain; }
    location /tls/ { proxy_pass https://tls/; proxy_ssl_session_reuse on; }
    location /sse/ { proxy_pass http://fake/; proxy_buffering off; client_max_body_size 64m; } }
}
NGINX
nginx -p "$work" -c "$work/upstream.conf" & pids+=($!)
nginx -p "$work" -c "$work/proxy.conf" & pids+=($!)
sleep 1
NGINX_PROXY_PID=$(cat "$work/px.pid")
NGINX_WORKER=$(pgrep -P "$NGINX_PROXY_PID" | head -1)

# --- safe-run sessions: each child writes its broker URL and token, then waits --------------
start_session() {  # start_session NAME ENV...   sets NAME_PID, NAME_PORT, NAME_TOKEN
  local name=$1; shift
  env -i PATH="$PATH" HOME="$work" XDG_RUNTIME_DIR="$work" ANTHROPIC_API_KEY=sk-bench-key "$@" \
    "$SAFE_RUN" -q -- sh -c "echo \"\$SAFE_RUN_BROKER_URL \$SAFE_RUN_TOKEN\" > $work/$name.broker; exec sleep 100000" &
  pids+=($!)
  printf -v "${name}_PID" '%s' "$!"
  while [ ! -s "$work/$name.broker" ]; do sleep 0.05; done
  printf -v "${name}_PORT" '%s' "$(awk '{print $1}' "$work/$name.broker" | sed 's/.*://')"
  printf -v "${name}_TOKEN" '%s' "$(awk '{print $2}' "$work/$name.broker")"
}
start_session SR_PLAIN ANTHROPIC_BASE_URL="http://127.0.0.1:$UP"
start_session SR_SSE ANTHROPIC_BASE_URL="http://127.0.0.1:$FAKE_PORT/anthropic"
start_session SR_TLS ANTHROPIC_BASE_URL="https://localhost:$UPTLS" SSL_CERT_FILE="$work/ca.pem"
IDLE_RSS=$(rss_kb "$SR_SSE_PID")

echo "# safe-run benchmark"
echo
echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
echo "- machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr)"
echo "- safe-run $($SAFE_RUN --version | awk '{print $2}') ($(git rev-parse --short HEAD 2>/dev/null || echo unknown), $BUILD), $(nginx -v 2>&1 | sed 's/.*: //'), wrk $(wrk -v 2>&1 | head -1 | awk '{print $2}')"
echo "- upstream: nginx (1 worker) answering 62 bytes of JSON; proxies: safe-run (1 thread) and nginx (1 worker) adding x-api-key"
echo

# --- throughput and latency ----------------------------------------------------------------
wrk_run() {  # wrk_run CONNECTIONS URL [HEADER] -> "req/s p50 p99"
  local c=$1 url=$2 threads=$(( $1 < 2 ? 1 : 2 ))
  local out; out=$(wrk -t"$threads" -c"$c" -d"$DURATION" --latency ${3:+-H "$3"} "$url")
  echo "$(awk '/Requests\/sec/ {print $2}' <<<"$out") $(awk '$1 == "50%" {print $2}' <<<"$out") $(awk '$1 == "99%" {print $2}' <<<"$out")"
}
echo "## Throughput and latency (wrk, GET, $DURATION per cell)"
echo
echo "| connections | direct req/s | safe-run req/s | nginx req/s | safe-run / nginx | p50 direct / safe-run / nginx | p99 direct / safe-run / nginx |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for c in 1 16 256; do
  read -r d_rps d_p50 d_p99 <<<"$(wrk_run "$c" "http://127.0.0.1:$UP/v1/models")"
  read -r s_rps s_p50 s_p99 <<<"$(wrk_run "$c" "http://127.0.0.1:$SR_PLAIN_PORT/anthropic/v1/models" "x-api-key: $SR_PLAIN_TOKEN")"
  read -r n_rps n_p50 n_p99 <<<"$(wrk_run "$c" "http://127.0.0.1:$PX/v1/models")"
  ratio=$(awk -v a="$s_rps" -v b="$n_rps" 'BEGIN {printf "%.2f", a / b}')
  echo "| $c | $d_rps | $s_rps | $n_rps | $ratio | $d_p50 / $s_p50 / $n_p50 | $d_p99 / $s_p99 / $n_p99 |"
done
echo

# --- streaming -----------------------------------------------------------------------------
echo "## SSE: from the upstream sending an event to the client reading it (20 events, 100 ms apart)"
echo
echo "| path | first event µs | mean µs | max µs |"
echo "| --- | --- | --- | --- |"
sse() {  # sse LABEL PORT TARGET [HEADER...]
  local label=$1; shift
  local events first_us mean_us max_us
  eval "$("$PROBE" "$@" "x-fake:sse-slow" "x-fake-events:20" "x-fake-interval-ms:100")"
  printf '| %s | %.0f | %.0f | %.0f |\n' "$label" "$first_us" "$mean_us" "$max_us"
}
sse direct "$FAKE_PORT" /anthropic/v1/messages
sse safe-run "$SR_SSE_PORT" /anthropic/v1/messages "x-api-key:$SR_SSE_TOKEN"
sse "nginx (proxy_buffering off)" "$PX" /sse/anthropic/v1/messages
echo

# --- TLS handshakes ------------------------------------------------------------------------
echo "## Upstream TLS handshakes for 100 sequential requests (each from a new client connection)"
echo
handshakes() {  # handshakes URL [HEADER] -> distinct upstream TLS connections
  : >"$work/tls-access.log"
  for _ in $(seq 100); do curl -s -o /dev/null --cacert "$work/ca.pem" ${2:+-H "$2"} "$1"; done
  sleep 0.2
  sort -u "$work/tls-access.log" | wc -l
}
echo "| client | handshakes |"
echo "| --- | --- |"
echo "| curl straight to the TLS upstream (a naive peer) | $(handshakes "https://localhost:$UPTLS/v1/models") |"
echo "| through safe-run | $(handshakes "http://127.0.0.1:$SR_TLS_PORT/anthropic/v1/models" "x-api-key: $SR_TLS_TOKEN") |"
echo "| through nginx (keepalive 64) | $(handshakes "http://127.0.0.1:$PX/tls/v1/models") |"
echo

# --- memory --------------------------------------------------------------------------------
echo "## Memory (RSS of the safe-run process)"
echo
echo 5 >"/proc/$SR_SSE_PID/clear_refs" 2>/dev/null || true
for _ in $(seq 200); do
  curl -s -N -o /dev/null -H "x-api-key: $SR_SSE_TOKEN" -H "x-fake: sse-slow" -H "x-fake-events: 30" \
    -H "x-fake-interval-ms: 100" -d '{}' "http://127.0.0.1:$SR_SSE_PORT/anthropic/v1/messages" &
done
sleep 1.5
STREAMS_RSS=$(rss_kb "$SR_SSE_PID")
OPEN_STREAMS=$(ss -Htn state established "( dport = :$FAKE_PORT )" 2>/dev/null | wc -l)
wait_streams() { while pgrep -f "x-fake-events: 30" >/dev/null; do sleep 0.2; done; }
wait_streams
STREAMS_HWM=$(hwm_kb "$SR_SSE_PID")
echo 5 >"/proc/$SR_SSE_PID/clear_refs" 2>/dev/null || true
head -c $((32 << 20)) /dev/zero | tr '\0' 'a' >"$work/body"
curl -s -o /dev/null -H "x-api-key: $SR_SSE_TOKEN" -H "x-fake: echo" -H "content-type: application/json" \
  --data-binary @"$work/body" "http://127.0.0.1:$SR_SSE_PORT/anthropic/v1/messages"
BODY_HWM=$(hwm_kb "$SR_SSE_PID")
echo "| state | RSS |"
echo "| --- | --- |"
echo "| idle, after start | $((IDLE_RSS / 1024)) MiB ($IDLE_RSS kB) |"
echo "| 200 concurrent SSE streams ($OPEN_STREAMS upstream connections open at the sample) | $((STREAMS_RSS / 1024)) MiB now, peak $((STREAMS_HWM / 1024)) MiB |"
echo "| forwarding a 32 MiB request body | peak $((BODY_HWM / 1024)) MiB |"
echo "| for comparison: the nginx proxy worker, now | $(( $(rss_kb "$NGINX_WORKER") / 1024 )) MiB |"
echo

# --- start-up and teardown -----------------------------------------------------------------
echo "## Start-up and teardown: \`safe-run -- true\` against \`true\` (hyperfine)"
echo
XDG_RUNTIME_DIR="$work" ANTHROPIC_API_KEY=sk-bench hyperfine -N --warmup 10 --runs 300 \
  --export-markdown "$work/hyperfine.md" "true" "$SAFE_RUN -q -- true" >/dev/null 2>&1
sed "s|$SAFE_RUN|safe-run|g" "$work/hyperfine.md"
