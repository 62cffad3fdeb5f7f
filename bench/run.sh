#!/usr/bin/env bash
# Measures safe-run against the same upstreams, in one run, next to the alternatives:
# the upstream direct, and nginx as a reverse proxy that adds the header (the fast thing a
# user could pick instead). Prints a Markdown report (bench/RESULTS.md keeps a dated copy).
#
#   bench/run.sh            (after ./dev.sh build)
#
# Needs wrk, hyperfine, nginx (nginx-light is enough), curl and awk on PATH; installs nothing.
# With perf (linux-perf, as root) it also counts each proxy's system calls per request.
# DURATION (default 3s) is the length of each wrk cell (LONG_DURATION, default 10s, for cells
# that move over 64 MiB per round of connections), CONNECTIONS (default "1 16 256") the
# client connection counts, ROUNDS (default 3) how many times each cell is measured: the
# direct upstream, safe-run and nginx take turns (safe-run first in odd rounds, nginx first in
# even ones) and each column reports its median round, so a burst of load from other users
# of the machine lands on one round of one column rather than on the result. REAL_HEADS=1:
# the POSTs carry Claude Code's request head (bench/claude_request_head.txt, 21 fields with
# Host, length and key) and the sink answers with a provider's head (24 fields) instead of the
# minimal heads wrk and the sink use by default.
# NGINX_MALLOC=steady: the nginx proxy's glibc allocator never trims its heap and never maps a
# body buffer of its own (glibc tunables). That keeps nginx in the faster of its two modes: with
# glibc's defaults, a worker whose heap top is trimmed faults every body buffer in anew
# (bench/RESULTS.md, seventeenth pass). The bar is against nginx as it ships; this is nginx at
# its best.
#
# Loopback only; every load is bounded in time.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
SAFE_RUN=$BUILD/launcher/safe-run
FAKE=$BUILD/tests/fake-upstream
PROBE=$BUILD/tests/sse-probe
SINK=$BUILD/tests/sink-upstream
DURATION=${DURATION:-3s}
LONG_DURATION=${LONG_DURATION:-10s}  # cells moving over 64 MiB per round of connections
ROUNDS=${ROUNDS:-3}

for tool in wrk hyperfine nginx curl awk; do
  command -v "$tool" >/dev/null || { echo "bench/run.sh needs $tool (Debian: apt-get install wrk hyperfine nginx-light curl)" >&2; exit 1; }
done
[ -x "$SAFE_RUN" ] && [ -x "$FAKE" ] && [ -x "$PROBE" ] && [ -x "$SINK" ] || { echo "build first: ./dev.sh build" >&2; exit 1; }

nginx_env=()
case ${NGINX_MALLOC:-default} in
  default) ;;
  steady) nginx_env=(GLIBC_TUNABLES=glibc.malloc.trim_threshold=4294967295:glibc.malloc.mmap_threshold=33554432) ;;
  *) echo "bench/run.sh: NGINX_MALLOC is default or steady, not '$NGINX_MALLOC'" >&2; exit 1 ;;
esac

work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { while :; do local p=$((20000 + RANDOM % 30000)); (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo $p; return; }; done; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }

# --- upstreams: the sink (plain: reads each request whole, answers 62 bytes of JSON), nginx
# (TLS, one worker) and the streaming fake ---------------------------------------------------
exec 7< <(sleep 100000); pids+=($!)  # holds the fakes' stdin open; killed on exit
"$FAKE" --tls "$work" <&7 >"$work/fake-tls.port" & pids+=($!)
"$FAKE" <&7 >"$work/fake.port" & pids+=($!)
sink_args=()
if [ "${REAL_HEADS:-0}" = 1 ]; then sink_args=(--provider-head); export HEAD_FILE=bench/claude_request_head.txt; fi
"$SINK" "${sink_args[@]}" >"$work/sink.port" & pids+=($!); SINK_PID=$!
sleep 1
FAKE_PORT=$(awk '{print $2}' "$work/fake.port")
UP=$(awk '{print $2}' "$work/sink.port")
UPTLS=$(free_port); PX=$(free_port)
cat >"$work/upstream.conf" <<NGINX
worker_processes 1; daemon off; pid $work/up.pid; error_log $work/up-error.log;
events { worker_connections 8192; }
http {
  access_log off;
  log_format conn '\$connection';
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
  # Request bodies held in memory and sent upstream whole, as safe-run does (NGINX_BODY=streamed:
  # relayed while they arrive instead); never spooled to a temporary file.
  client_max_body_size 64m; $( [ "${NGINX_BODY:-buffered}" = streamed ] && echo "proxy_request_buffering off;" || echo "client_body_buffer_size 8m;" )
  upstream plain { server 127.0.0.1:$UP; keepalive 256; }
  upstream tls { server 127.0.0.1:$UPTLS; keepalive 64; }
  upstream fake { server 127.0.0.1:$FAKE_PORT; keepalive 64; }
  server { listen 127.0.0.1:$PX;
    proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header x-api-key "sk-bench-key";
    location / { proxy_pass http://plain; }
    location /tls/ { proxy_pass https://tls/; proxy_ssl_session_reuse on; }
    location /sse/ { proxy_pass http://fake/; proxy_buffering off; } }
}
NGINX
nginx -p "$work" -c "$work/upstream.conf" & pids+=($!)
env "${nginx_env[@]}" nginx -p "$work" -c "$work/proxy.conf" & pids+=($!)
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
echo "- upstream: bench/sink_upstream.cc (1 thread, epoll) reading each request whole and answering 64 bytes of JSON"
if [ "${REAL_HEADS:-0}" = 1 ]; then
  echo "- heads: real ones — each POST carries Claude Code's 21 request fields (bench/claude_request_head.txt), each answer a provider's 24 (GETs: wrk's own 2-field request head)"
else
  echo "- heads: minimal — wrk's (Host, key; POSTs add Content-Type and length) and a 2-field answer"
fi
echo "- proxies, both adding x-api-key: safe-run (1 thread) and nginx (worker_processes 1, request bodies ${NGINX_BODY:-buffered} in memory, keepalive 256 upstream)"
echo "- nginx proxy's allocator: ${NGINX_MALLOC:-default}$( [ ${#nginx_env[@]} -eq 0 ] && echo " (glibc's own settings)" || echo " (${nginx_env[0]})")"
echo "- load while measuring: $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min) before the first cell; the machine is shared"
echo

# --- throughput and latency ----------------------------------------------------------------
# Request shapes: what real agents send (DESIGN §7). POST bodies are Claude-Code-like JSON.
for size in 300 78000 1048576 4194304; do bench/claude_body.sh "$size" >"$work/body-$size.json"; done
wrk_run() {  # wrk_run CONNECTIONS URL BODY_FILE|- [HEADER] -> "req/s p50 p99 non2xx requests"
  local c=$1 url=$2 body=$3 threads=$(( $1 < 2 ? 1 : 2 )) duration=$DURATION
  local script=(); [ "$body" = - ] || script=(-s bench/post.lua)
  [ "$body" = - ] || [ $(( c * $(wc -c <"$body") )) -le $((64 << 20)) ] || duration=$LONG_DURATION
  local out; out=$(BODY_FILE=$body wrk -t"$threads" -c"$c" -d"$duration" --timeout 30s --latency "${script[@]}" ${4:+-H "$4"} "$url")
  echo "$(awk '/Requests\/sec/ {print $2}' <<<"$out") $(awk '$1 == "50%" {print $2}' <<<"$out")" \
       "$(awk '$1 == "99%" {print $2}' <<<"$out") $(awk '/Non-2xx/ {n = $NF} END {print n + 0}' <<<"$out")" \
       "$(awk '/requests in/ {print $1}' <<<"$out")"
}
minflt() { awk '{print $10}' "/proc/$1/stat"; }  # minor page faults of a process so far
faults_per() { awk -v f="$1" -v n="$2" 'BEGIN { printf "%.1f", (n > 0 ? f / n : 0) }'; }
to_us() { awk -v t="$1" 'BEGIN { v = t + 0; if (t ~ /us$/) print v; else if (t ~ /ms$/) print v * 1000; else print v * 1e6 }'; }
added() { awk -v p="$(to_us "$1")" -v d="$(to_us "$2")" 'BEGIN { printf "%+.0f µs", p - d }'; }
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
spread() {  # spread [PRINTF_FORMAT]: "lowest–highest" of the values on stdin (default %.2f)
  tr ' ' '\n' | grep . | sort -g | awk -v f="${1:-%.2f}" 'NR == 1 { lo = $1 } { hi = $1 } END { printf f "–" f, lo, hi }'
}
measure() {  # measure WHO CONNECTIONS URL BODY [HEADER]: one round of one column, into WHO_* lists
  local who=$1 flt; flt=$(minflt "${pid_of[$who]}")
  local rps p50 p99 bad n
  read -r rps p50 p99 bad n <<<"$(wrk_run "$2" "$3" "$4" ${5:+"$5"})"
  rps_of[$who]+=" $rps"; p50_of[$who]+=" $(to_us "$p50")"; p99_of[$who]+=" $(to_us "$p99")"
  bad_of[$who]=$(( ${bad_of[$who]:-0} + bad )); n_of[$who]=$(( ${n_of[$who]:-0} + n ))
  flt_of[$who]=$(( ${flt_of[$who]:-0} + $(minflt "${pid_of[$who]}") - flt ))
}
us() { awk -v v="$1" 'BEGIN { if (v >= 1000) printf "%.2fms", v / 1000; else printf "%.0fus", v }'; }
echo "## Throughput and latency (wrk, $DURATION per cell, $LONG_DURATION for the largest; median of $ROUNDS interleaved rounds; added p50 = proxy p50 − direct p50)"
echo
echo "| request | conns | direct req/s | safe-run req/s | nginx req/s | safe-run / nginx (rounds' range) | p50 direct / safe-run / nginx | added p50 safe-run / nginx | p99 safe-run / nginx | page faults per request safe-run / nginx |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
shapes=("GET /v1/models:-" "POST 649 B:$work/body-300.json" "POST 76 KB:$work/body-78000.json"
        "POST 1 MB:$work/body-1048576.json" "POST 4 MB:$work/body-4194304.json")
declare -A pid_of=([direct]=$SINK_PID [sr]=$SR_PLAIN_PID [nginx]=$NGINX_WORKER)
for shape in "${shapes[@]}"; do
  label=${shape%%:*} body=${shape#*:}
  path=/v1/models; [ "$body" = - ] || path=/v1/messages?beta=true
  for c in ${CONNECTIONS:-1 16 256}; do
    declare -A rps_of=() p50_of=() p99_of=() bad_of=() n_of=() flt_of=()
    ratios=""
    for round in $(seq "$ROUNDS"); do
      measure direct "$c" "http://127.0.0.1:$UP$path" "$body"
      order=(sr nginx); [ $((round % 2)) -eq 1 ] || order=(nginx sr)
      for who in "${order[@]}"; do
        if [ "$who" = sr ]; then measure sr "$c" "http://127.0.0.1:$SR_PLAIN_PORT/anthropic$path" "$body" "x-api-key: $SR_PLAIN_TOKEN"
        else measure nginx "$c" "http://127.0.0.1:$PX$path" "$body"; fi
      done
      ratios+=" $(awk -v a="${rps_of[sr]##* }" -v b="${rps_of[nginx]##* }" 'BEGIN {printf "%.4f", a / b}')"
    done
    for who in direct sr nginx; do
      printf -v "${who}_rps" '%s' "$(median <<<"${rps_of[$who]}")"
      printf -v "${who}_p50" '%s' "$(median <<<"${p50_of[$who]}")"
      printf -v "${who}_p99" '%s' "$(median <<<"${p99_of[$who]}")"
    done
    ratio=$(awk -v a="$sr_rps" -v b="$nginx_rps" 'BEGIN {printf "%.2f", a / b}')
    bad=""; [ "$((bad_of[direct] + bad_of[sr] + bad_of[nginx]))" -eq 0 ] || bad=" (non-2xx: ${bad_of[direct]} / ${bad_of[sr]} / ${bad_of[nginx]})"
    echo "| $label | $c | $direct_rps | $sr_rps | $nginx_rps | $ratio ($(spread <<<"$ratios"))$bad | $(us "$direct_p50") / $(us "$sr_p50") / $(us "$nginx_p50") | $(added "${sr_p50}us" "${direct_p50}us") / $(added "${nginx_p50}us" "${direct_p50}us") | $(us "$sr_p99") / $(us "$nginx_p99") | $(faults_per "${flt_of[sr]}" "${n_of[sr]}") / $(faults_per "${flt_of[nginx]}" "${n_of[nginx]}") |"
  done
done
echo
LOAD_PEAK_SR=$(hwm_kb "$SR_PLAIN_PID") LOAD_PEAK_NGINX=$(hwm_kb "$NGINX_WORKER")
echo "Peak RSS over all these cells (256 connections posting 4 MB bodies included): safe-run $((LOAD_PEAK_SR / 1024)) MiB (its bound on bodies held at once: 256 MiB), nginx worker $((LOAD_PEAK_NGINX / 1024)) MiB."
echo

# --- system calls per request: the kernel work a request costs each proxy ------------------
SYSCALL_SECONDS=${SYSCALL_SECONDS:-3}
syscalls_per_request() {  # PID URL BODY|- [HEADER] -> "all failed-recvfrom" per request, 16 connections
  local pid=$1 url=$2 body=$3 script=(); [ "$body" = - ] || script=(-s bench/post.lua)
  BODY_FILE=$body wrk -t2 -c16 -d$((SYSCALL_SECONDS + 2))s "${script[@]}" ${4:+-H "$4"} "$url" >"$work/syscalls.wrk" &
  local wrk_pid=$!
  sleep 1
  perf stat -x, -e raw_syscalls:sys_enter -e syscalls:sys_exit_recvfrom --filter 'ret == -11' \
    -p "$pid" -- sleep "$SYSCALL_SECONDS" 2>"$work/syscalls.perf" >/dev/null
  wait "$wrk_pid"
  local rps; rps=$(awk '/Requests\/sec/ {print $2}' "$work/syscalls.wrk")
  awk -F, -v n="$(awk -v r="$rps" -v s="$SYSCALL_SECONDS" 'BEGIN {print r * s}')" \
    '$3 ~ /sys_enter/ {all = $1} $3 ~ /recvfrom/ {failed = $1} END {printf "%.2f / %.2f", all / n, failed / n}' "$work/syscalls.perf"
}
echo "## System calls per request (16 connections, \`perf stat\` over ${SYSCALL_SECONDS} s; all / failed reads (EAGAIN))"
echo
if perf stat -e raw_syscalls:sys_enter -- true >/dev/null 2>&1; then
  echo "| request | safe-run | nginx |"
  echo "| --- | --- | --- |"
  for shape in "GET /v1/models:-" "POST 649 B:$work/body-300.json" "POST 76 KB:$work/body-78000.json"; do
    label=${shape%%:*} body=${shape#*:}
    path=/v1/models; [ "$body" = - ] || path=/v1/messages?beta=true
    echo "| $label | $(syscalls_per_request "$SR_PLAIN_PID" "http://127.0.0.1:$SR_PLAIN_PORT/anthropic$path" "$body" "x-api-key: $SR_PLAIN_TOKEN") | $(syscalls_per_request "$NGINX_WORKER" "http://127.0.0.1:$PX$path" "$body") |"
  done
else
  echo "Skipped: \`perf\` with syscall tracepoints is not available here (Debian: apt-get install linux-perf; run as root)."
fi
echo

# --- streaming -----------------------------------------------------------------------------
echo "## SSE: from the upstream sending an event to the client reading it (a 76 KB POST answered by 200 events, 5 ms apart; median of $ROUNDS interleaved rounds)"
echo
echo "| path | events per round | first event µs | p50 µs (rounds' range) | mean µs | max µs |"
echo "| --- | --- | --- | --- | --- | --- |"
declare -A sse_first sse_p50 sse_mean sse_max sse_events
sse_round() {  # sse_round LABEL PORT TARGET [HEADER...]: one probe, into the sse_* lists
  local label=$1 port=$2 target=$3; shift 3
  local events first_us p50_us mean_us max_us
  eval "$("$PROBE" "$port" "$target" "@$work/body-78000.json" "$@" "x-fake:sse-slow" "x-fake-events:200" "x-fake-interval-ms:5")"
  sse_events[$label]=$events; sse_first[$label]+=" $first_us"; sse_p50[$label]+=" $p50_us"
  sse_mean[$label]+=" $mean_us"; sse_max[$label]+=" $max_us"
}
for round in $(seq "$ROUNDS"); do  # interleaved, as the throughput cells are: a noisy spell hits all three
  sse_round direct "$FAKE_PORT" /anthropic/v1/messages
  sse_round safe-run "$SR_SSE_PORT" /anthropic/v1/messages "x-api-key:$SR_SSE_TOKEN"
  sse_round "nginx (proxy_buffering off)" "$PX" /sse/anthropic/v1/messages
done
for label in direct safe-run "nginx (proxy_buffering off)"; do
  printf '| %s | %s | %.0f | %.0f (%s) | %.0f | %.0f |\n' "$label" "${sse_events[$label]}" \
    "$(median <<<"${sse_first[$label]}")" "$(median <<<"${sse_p50[$label]}")" "$(spread %.0f <<<"${sse_p50[$label]}")" \
    "$(median <<<"${sse_mean[$label]}")" "$(median <<<"${sse_max[$label]}")"
done
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
