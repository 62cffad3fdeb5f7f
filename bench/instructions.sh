#!/usr/bin/env bash
# User-space instructions per request, counted by callgrind: deterministic where wall-clock
# numbers on a shared machine move ±20 %, so a change to the request path can be judged by
# itself. A session runs as bench/run.sh starts it (sink upstream, env -i), its launcher — in
# which the broker runs — under `valgrind --tool=callgrind` with instrumentation off until the
# first request; each shape is then counted over DURATION of `wrk -c1` (its requests counted by
# wrk) after a warm-up, and the count divided by the requests. System time (the TCP stack) is
# not counted.
#
#   bench/instructions.sh [OUT_DIR]     (after ./dev.sh build; default OUT_DIR: a temporary one)
#
# REAL_HEADS=1: the POSTs carry Claude Code's request head (bench/claude_request_head.txt, 21
# fields with Host, length and key) and the upstream answers with a provider's (24 fields)
# instead of the minimal heads wrk and the sink use by default.
#
# Prints "shape requests Ir/request"; OUT_DIR keeps the profiles (callgrind.out.get, .post, .post-76k) for
# `callgrind_annotate --inclusive=yes`. Needs valgrind and wrk. Loopback only, bounded in time.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
DURATION=${DURATION:-15s}
for tool in valgrind callgrind_control wrk; do
  command -v "$tool" >/dev/null || { echo "bench/instructions.sh needs $tool (Debian: apt-get install valgrind wrk)" >&2; exit 1; }
done
[ -x "$BUILD/launcher/safe-run" ] && [ -x "$BUILD/tests/sink-upstream" ] || { echo "build first: ./dev.sh build" >&2; exit 1; }

work=$(mktemp -d)
out=${1:-$work}
mkdir -p "$out"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

head_file=""
sink_args=()
if [ "${REAL_HEADS:-0}" = 1 ]; then head_file=bench/claude_request_head.txt; sink_args=(--provider-head); fi
"$BUILD/tests/sink-upstream" "${sink_args[@]}" >"$work/sink.port" & pids+=($!)
while [ ! -s "$work/sink.port" ]; do sleep 0.05; done
bench/claude_body.sh 300 >"$work/body.json"  # the 649-byte POST of bench/run.sh
bench/claude_body.sh 78000 >"$work/body-76k.json"  # its 76 KB POST (a Claude Code turn)

env -i PATH="$PATH" HOME="$work" XDG_RUNTIME_DIR="$work" ANTHROPIC_API_KEY=sk-bench-key \
  ANTHROPIC_BASE_URL="http://127.0.0.1:$(awk '{print $2}' "$work/sink.port")" \
  valgrind --tool=callgrind --trace-children=no --instr-atstart=no --callgrind-out-file="$work/callgrind.out.%p" \
  "$BUILD/launcher/safe-run" -q -- sh -c "echo \"\$SAFE_RUN_BROKER_URL \$SAFE_RUN_TOKEN\" > $work/broker; exec sleep 100000" \
  2>"$work/valgrind.log" &
valgrind_pid=$!; pids+=($valgrind_pid)
for _ in $(seq 600); do [ -s "$work/broker" ] && break; sleep 0.1; done
[ -s "$work/broker" ] || { echo "the session did not start under valgrind:" >&2; cat "$work/valgrind.log" >&2; exit 1; }
base=$(awk '{print $1}' "$work/broker")
token=$(awk '{print $2}' "$work/broker")

measure() {  # measure NAME PATH [wrk args...]: zeroes the counts, loads, dumps; prints the ratio
  local name=$1 path=$2; shift 2
  export HEAD_FILE=$head_file
  BODY_FILE=${BODY_FILE:-$work/body.json} wrk -t1 -c1 -d2s "$@" -H "x-api-key: $token" "$base$path" >/dev/null  # warm-up
  callgrind_control -z "$valgrind_pid" >/dev/null 2>&1
  local report
  report=$(BODY_FILE=${BODY_FILE:-$work/body.json} wrk -t1 -c1 -d"$DURATION" "$@" -H "x-api-key: $token" "$base$path")
  callgrind_control -d "$name" "$valgrind_pid" >/dev/null 2>&1
  local requests profile
  requests=$(awk '/requests in/ {print $1}' <<<"$report")
  profile=$(ls -t "$work/callgrind.out.$valgrind_pid".* | head -1)
  cp "$profile" "$out/callgrind.out.$name"
  awk -v name="$name" -v n="$requests" '/^totals:/ {printf "%s %d %.0f\n", name, n, $2 / n}' "$profile"
}

callgrind_control -i on "$valgrind_pid" >/dev/null 2>&1
echo "shape requests Ir/request"
measure get /anthropic/v1/models
measure post "/anthropic/v1/messages?beta=true" -s bench/post.lua
BODY_FILE=$work/body-76k.json measure post-76k "/anthropic/v1/messages?beta=true" -s bench/post.lua
