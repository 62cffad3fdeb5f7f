#!/usr/bin/env bash
# The real agent CLIs (Codex, Gemini CLI; pinned in package-lock.json) as children of
# safe-run with no config, against the TLS fake upstreams. Each runs with an empty $HOME of
# its own and a dead HTTPS_PROXY, so any call to anywhere but the broker (which NO_PROXY
# exempts) fails instead of leaving the machine. Checked: the answer, the transport the
# broker saw, the key upstream, and that neither the key nor a session token is left in the
# output or under the home.
#   run.sh SAFE_RUN_BINARY FAKE_UPSTREAM_BINARY
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=common.sh
. "$here/common.sh" "$@"

# codex_turn NAME FAKE_ARGS...: one `codex exec` turn through safe-run with no config against
# a fresh WebSocket fake; leaves $home, $out, $err, and returns its exit status in $status.
codex_turn() {
  local name=$1
  shift
  start_fake "$name" --ws "$@"
  key="sk-proj-codex-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
  home=$work/$name/home out=$work/$name/run.out err=$work/$name/run.err
  status=$(run_agent "$home" "$work/$name/run" OPENAI_API_KEY="$key" OPENAI_BASE_URL="https://localhost:$wsport/v1" \
    -- codex exec --skip-git-repo-check "Say hello")
  [ "$status" = 0 ] || cat "$out" "$err"
  grep -q "Hello from fake" "$out" || fail "$name: codex exec printed no answer"
  no_secret_left "$name" "$key" "$home" "$out" "$err"
}

codex_ws() {
  codex_turn codex-ws
  [ "$status" = 0 ] || { fail "codex exec over WebSocket exited $status"; return; }
  grep -q "GET /openai/v1/responses -> 101 allowed" "$err" || fail "codex did not use the WebSocket relay"
  if grep -q "POST /openai/v1/responses" "$err"; then fail "codex fell back to HTTP"; fi
  [ ! -e "$home/.codex/shell_snapshots" ] || fail "codex wrote shell snapshots (they hold the token)"
  pass "codex exec answers over the WebSocket relay with no config; no key or token left behind"
}

# The control for the snapshot setting: the same Codex without the profile's -c writes them.
codex_snapshot_control() {
  local home=$work/codex-ws/control
  local status
  status=$(run_agent "$home" "$work/codex-ws/control" OPENAI_API_KEY="sk-proj-control" \
    OPENAI_BASE_URL="https://localhost:$wsport/v1" \
    -- sh -c 'p=model_providers.x; exec codex -c model_provider=x -c $p.name=x -c $p.base_url=$OPENAI_BASE_URL \
      -c $p.env_key=OPENAI_API_KEY -c $p.wire_api=responses -c $p.supports_websockets=true exec --skip-git-repo-check hi')
  [ "$status" = 0 ] || { fail "codex control run exited $status"; return; }
  [ -d "$home/.codex/shell_snapshots" ] || { fail "control: codex without the profile wrote no shell_snapshots"; return; }
  pass "control: codex without the profile's setting starts shell snapshots under ~/.codex"
}

codex_http_fallback() {
  codex_turn codex-http --refuse-upgrades
  [ "$status" = 0 ] || { fail "codex exec over HTTP exited $status"; return; }
  grep -q "GET /openai/v1/responses -> 426" "$err" || fail "the refused upgrade did not reach codex"
  grep -q "POST /openai/v1/responses -> 200 allowed" "$err" || fail "codex did not fall back to the SSE POST"
  pass "codex exec falls back to HTTP at once when the upstream refuses the WebSocket"
}

gemini_prompt() {
  start_fake gemini
  local key="AIza-gemini-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')" home=$work/gemini/home
  mkdir -p "$home/.gemini"
  local settings='{"privacy":{"usageStatisticsEnabled":false},"general":{"disableAutoUpdate":true,"disableUpdateNag":true}}'
  echo "$settings" >"$home/.gemini/settings.json"
  local status
  status=$(run_agent "$home" "$work/gemini/run" GEMINI_API_KEY="$key" NODE_EXTRA_CA_CERTS="$ca" \
    GOOGLE_GEMINI_BASE_URL="https://localhost:$port/gemini" -- gemini --skip-trust -m gemini-2.5-flash -p "Say hello")
  local out=$work/gemini/run.out err=$work/gemini/run.err
  [ "$status" = 0 ] || { cat "$out" "$err"; fail "gemini -p exited $status"; return; }
  grep -q "Hello from fake gemini" "$out" || fail "gemini printed no answer"
  grep -q "POST /gemini/v1beta/models/gemini-2.5-flash:streamGenerateContent -> 200 allowed" "$err" ||
    fail "gemini did not stream through the broker"
  [ "$(cat "$home/.gemini/settings.json")" = "$settings" ] || fail "gemini's own settings.json was changed"
  no_secret_left "gemini" "$key" "$home" "$out" "$err"
  upstream_got "gemini" "x-goog-api-key:$key"
  pass "gemini -p answers through the broker with no config; the upstream gets the key, never the token"
}

# The control for the overlay: the same Gemini CLI without its profile refuses the base URL.
gemini_overlay_control() {
  local home=$work/gemini/control status
  status=$(run_agent "$home" "$work/gemini/control" GEMINI_API_KEY="AIza-control" NODE_EXTRA_CA_CERTS="$ca" \
    GOOGLE_GEMINI_BASE_URL="https://localhost:$port/gemini" \
    -- sh -c 'exec gemini --skip-trust -m gemini-2.5-flash -p hi')
  [ "$status" = 41 ] || { fail "control: gemini without the profile exited $status, expected 41 (auth refused)"; return; }
  pass "control: gemini without the profile's overlay exits 41"
}

codex_ws
codex_snapshot_control
codex_http_fallback
gemini_prompt
gemini_overlay_control
exit_with_failures
