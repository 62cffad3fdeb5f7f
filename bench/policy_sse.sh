#!/usr/bin/env bash
# What the policy adds to streaming: the SSE per-event delay (upstream sends -> client reads)
# through a baseline safe-run without the policy code, and through this build with metering
# only, with a budget in force, and with a budget where every event carries usage (each one
# parsed). Rounds alternate between the sessions so that the shared machine's noise falls on
# all of them alike; the table gives the median over rounds of each probe's mean and max.
#
#   BASE=/path/to/baseline/safe-run bench/policy_sse.sh     (after building this tree)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
NEW=$BUILD/launcher/safe-run
BASE=${BASE:?set BASE to a safe-run built from the commit before the policy}
FAKE=$BUILD/tests/fake-upstream
PROBE=$BUILD/tests/sse-probe
ROUNDS=${ROUNDS:-7}
EVENTS=${EVENTS:-40}

work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait "${pids[@]}" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

exec 7< <(sleep 100000)
pids+=($!)
"$FAKE" <&7 >"$work/fake.port" & pids+=($!)
while [ ! -s "$work/fake.port" ]; do sleep 0.05; done
FAKE_PORT=$(awk '{print $2}' "$work/fake.port")

cat >"$work/budget.json" <<JSON
{"policy": {"budget_usd": 100, "requests_per_minute": 100000, "prices": {"claude-test": {"input": 3, "output": 15}}},
 "routes": [{"name": "anthropic", "provider": "anthropic", "upstream": "http://127.0.0.1:$FAKE_PORT/anthropic",
   "credential": "x-api-key: {secret}", "secret": {"env": "ANTHROPIC_API_KEY"}, "allow": ["POST /v1/messages"],
   "child_env": {"ANTHROPIC_BASE_URL": "{base_url}"}}]}
JSON

start_session() {  # start_session NAME BINARY [OPTIONS...]   sets NAME_PORT, NAME_TOKEN
  local name=$1 binary=$2; shift 2
  env -i PATH="$PATH" HOME="$work" XDG_RUNTIME_DIR="$work" ANTHROPIC_API_KEY=sk-bench-key \
    ANTHROPIC_BASE_URL="http://127.0.0.1:$FAKE_PORT/anthropic" \
    "$binary" -q "$@" -- sh -c "echo \"\$SAFE_RUN_BROKER_URL \$SAFE_RUN_TOKEN\" > $work/$name.broker; exec sleep 100000" &
  pids+=($!)
  while [ ! -s "$work/$name.broker" ]; do sleep 0.05; done
  printf -v "${name}_PORT" '%s' "$(awk '{print $1}' "$work/$name.broker" | sed 's/.*://')"
  printf -v "${name}_TOKEN" '%s' "$(awk '{print $2}' "$work/$name.broker")"
}
start_session BASE "$BASE"
start_session METER "$NEW"
start_session BUDGET "$NEW" --config "$work/budget.json"

body='body={"model":"claude-test","max_tokens":1024,"stream":true,"messages":[{"role":"user","content":"hi"}]}'
probe() {  # probe NAME [HEADER...] -> "mean_us max_us"
  local port_var=${1}_PORT token_var=${1}_TOKEN; shift
  local events first_us mean_us max_us
  eval "$("$PROBE" "${!port_var}" /anthropic/v1/messages "x-api-key:${!token_var}" "$body" \
    "x-fake:sse-slow" "x-fake-events:$EVENTS" "x-fake-interval-ms:20" "$@")"
  echo "$mean_us $max_us"
}
declare -A means maxes
for _ in $(seq "$ROUNDS"); do
  for cell in "BASE" "METER" "BUDGET" "BUDGET x-fake-with-usage:1" "BASE x-fake-with-usage:1"; do
    read -r mean max <<<"$(probe $cell)"
    means[$cell]+="$mean "
    maxes[$cell]+="$max "
  done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {printf "%.0f", a[int((NR+1)/2)]}'; }

echo "- date: $(date -u +%Y-%m-%dT%H:%MZ); machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(uname -sr); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- $ROUNDS rounds x $EVENTS events 20 ms apart per cell; medians over rounds"
echo
echo "| session | events carry usage | mean µs | max µs |"
echo "| --- | --- | --- | --- |"
for cell in "BASE" "METER" "BUDGET" "BASE x-fake-with-usage:1" "BUDGET x-fake-with-usage:1"; do
  case $cell in
    BASE*) label="baseline (before the policy)";;
    METER*) label="this build, metering only";;
    BUDGET*) label="this build, USD budget + rpm";;
  esac
  [[ $cell == *usage* ]] && carries=every || carries=none
  echo "| $label | $carries | $(median <<<"${means[$cell]}") | $(median <<<"${maxes[$cell]}") |"
done
