# Shared by the agent tests (sourced): the TLS fake upstreams, a clean environment for the
# agent under safe-run -v, and the check that no key or token is left behind.
#   . common.sh SAFE_RUN_BINARY FAKE_UPSTREAM_BINARY
safe_run=$(realpath "$1")
fake_upstream=$(realpath "$2")
here=$(cd "$(dirname "$0")" && pwd)
bin=$here/node_modules/.bin
for agent in codex gemini opencode; do
  if [ ! -x "$bin/$agent" ]; then
    echo "FAIL: $here/node_modules is missing: run 'npm ci --prefix tests/agents' (./dev.sh test does)" >&2
    exit 1
  fi
done

work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }
token_pattern='srt_[0-9a-f]{64}'

# start_fake NAME ARGS...: a fake upstream whose ports land in $port and $wsport. It serves
# until its stdin closes: the write end is held open by this script until it exits.
start_fake() {
  local dir=$work/$1
  shift
  mkdir -p "$dir"
  mkfifo "$dir/stdin"
  "$fake_upstream" --tls "$dir" "$@" <"$dir/stdin" >"$dir/ports" &
  pids+=($!)
  exec {holder}>"$dir/stdin"
  local lines=1
  if [ "$#" -gt 0 ]; then lines=2; fi
  for _ in $(seq 100); do
    [ "$(wc -l <"$dir/ports")" -ge "$lines" ] && break
    sleep 0.1
  done
  port=$(awk '$1 == "PORT" {print $2}' "$dir/ports")
  wsport=$(awk '$1 == "WSPORT" {print $2}' "$dir/ports")
  ca=$dir/ca.pem
}

# run_agent HOME OUTPUT_PREFIX VARS... -- COMMAND...: under safe-run -v, in a clean environment;
# $agent_path (default: the agents' bin) is put first on PATH and $safe_run_options before --.
run_agent() {
  local home=$1 prefix=$2
  shift 2
  local vars=()
  while [ "$1" != "--" ]; do vars+=("$1"); shift; done
  shift
  mkdir -p "$home" "$work/runtime" && chmod 700 "$work/runtime"
  local status=0
  (cd "$home" && env -i PATH="${agent_path:-$bin}:/usr/local/bin:/usr/bin:/bin" HOME="$home" LANG=C.UTF-8 \
    XDG_RUNTIME_DIR="$work/runtime" SSL_CERT_FILE="$ca" HTTPS_PROXY=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9 \
    "${vars[@]}" timeout 90 "$safe_run" -v ${safe_run_options[@]+"${safe_run_options[@]}"} -- "$@" >"$prefix.out" 2>"$prefix.err" </dev/null) || status=$?
  echo "$status"
}

# no_secret_left NAME KEY HOME FILES...: neither the key nor any session token in them.
no_secret_left() {
  local name=$1 key=$2 home=$3
  shift 3
  if grep -rqaF -e "$key" "$home" "$@"; then fail "$name: the key was left in its output or home"; fi
  if grep -rlaE "$token_pattern" "$home" | grep -q .; then fail "$name: a session token was left under its home"; fi
}

# upstream_got NAME HEADER:VALUE...: the fake upstream received each header with that value (the
# real key), and never a session token. Leaves what it received in $upstream_seen.
upstream_got() {
  local name=$1 pair
  shift
  upstream_seen=$(curl -s --cacert "$ca" "https://localhost:$port/_fake/requests")
  for pair in "$@"; do
    echo "$upstream_seen" | grep -qF "\"${pair%%:*}\":\"${pair#*:}\"" ||
      fail "$name: the upstream did not get the real key in ${pair%%:*}"
  done
  if echo "$upstream_seen" | grep -qE "$token_pattern"; then fail "$name: a session token reached the upstream"; fi
}

# Exits 1 when a check failed, keeping $work for a look.
exit_with_failures() {
  if [ "$failures" -ne 0 ]; then
    echo "FAIL: $failures agent check(s) failed; outputs were in $work" >&2
    trap - EXIT
    exit 1
  fi
}
