#!/usr/bin/env bash
# opencode (opencode-ai, pinned in package-lock.json) through safe-run with no config, against
# the TLS fake upstream, on two of its providers (Anthropic, Google). Its calls elsewhere are
# switched off as a user would: OPENCODE_DISABLE_MODELS_FETCH (the model catalogue it fetches
# at start), OPENCODE_DISABLE_AUTOUPDATE, and npm_config_offline (at start it installs
# @opencode-ai/plugin into ~/.config/opencode from the npm registry, ignoring HTTPS_PROXY).
# That nothing else leaves is checked, not assumed: opencode runs under strace, and every
# connect(2) it makes must be to the broker on 127.0.0.1. Checked too: the answer, the
# requests the broker saw, the key upstream and never the token, nothing left behind, and a
# key saved by `opencode auth login` not winning over the token.
#   opencode.sh SAFE_RUN_BINARY FAKE_UPSTREAM_BINARY
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=common.sh
. "$here/common.sh" "$@"
command -v strace >/dev/null || { echo "FAIL: strace is missing (./dev.sh installs it)" >&2; exit 1; }

switches=(OPENCODE_DISABLE_MODELS_FETCH=1 OPENCODE_DISABLE_AUTOUPDATE=1 npm_config_offline=true)
safe_run_options=(--pass-env OPENCODE_DISABLE_MODELS_FETCH --pass-env OPENCODE_DISABLE_AUTOUPDATE
  --pass-env npm_config_offline)

# A directory whose `opencode` runs the real one under strace: the profile still applies
# (safe-run sees the command name opencode) and the trace lists every connection.
traced_opencode() {
  local dir=$work/traced
  mkdir -p "$dir"
  printf '#!/bin/sh\nexec strace -f -qq -e trace=connect -o "%s" "%s" "$@"\n' "$1" "$(realpath "$bin/opencode")" \
    >"$dir/opencode"
  chmod +x "$dir/opencode"
  echo "$dir:$bin"
}

# only_loopback NAME TRACE: every Internet connect(2) in the trace went to 127.0.0.1.
only_loopback() {
  local elsewhere
  elsewhere=$(grep -E 'sa_family=AF_INET6?' "$2" | grep -v 'inet_addr("127.0.0.1")' || true)
  [ -n "$(grep -E 'inet_addr\("127.0.0.1"\)' "$2")" ] || fail "$1: the trace shows no connection to the broker"
  [ -z "$elsewhere" ] || fail "$1: opencode connected elsewhere: $(echo "$elsewhere" | head -3)"
}

opencode_turns() {
  start_fake opencode
  local key_a="sk-ant-opencode-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
  local key_g="AIza-opencode-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
  local home=$work/opencode/home trace=$work/opencode/connects status
  # A key saved by `opencode auth login` is what opencode would use before any variable.
  mkdir -p "$home/.local/share/opencode"
  echo '{"anthropic":{"type":"api","key":"sk-ant-saved-login"}}' >"$home/.local/share/opencode/auth.json"
  local vars=(ANTHROPIC_API_KEY="$key_a" ANTHROPIC_BASE_URL="https://localhost:$port/anthropic"
    GEMINI_API_KEY="$key_g" GOOGLE_GEMINI_BASE_URL="https://localhost:$port/gemini" "${switches[@]}")
  local out=$work/opencode/run.out err=$work/opencode/run.err
  status=$(agent_path=$(traced_opencode "$trace") run_agent "$home" "$work/opencode/run" "${vars[@]}" \
    -- opencode run -m anthropic/claude-sonnet-4-5 "Say hello")
  [ "$status" = 0 ] || { cat "$out" "$err"; fail "opencode run (Anthropic) exited $status"; return; }
  grep -q "Hello from fake" "$out" || fail "opencode printed no answer from Anthropic"
  grep -q "POST /anthropic/v1/messages -> 200 allowed" "$err" || fail "opencode did not reach the Anthropic route"
  only_loopback "opencode (Anthropic)" "$trace"
  local gout=$work/opencode/google.out gerr=$work/opencode/google.err
  status=$(agent_path=$(traced_opencode "$trace.google") run_agent "$home" "$work/opencode/google" "${vars[@]}" \
    -- opencode run -m google/gemini-2.5-flash "Say hello")
  [ "$status" = 0 ] || { cat "$gout" "$gerr"; fail "opencode run (Google) exited $status"; return; }
  grep -q "Hello from fake gemini" "$gout" || fail "opencode printed no answer from Gemini"
  grep -q "POST /gemini/v1beta/models/gemini-2.5-flash:streamGenerateContent -> 200 allowed" "$gerr" ||
    fail "opencode did not stream through the Gemini route"
  only_loopback "opencode (Google)" "$trace.google"
  no_secret_left "opencode" "$key_a" "$home" "$out" "$err" "$gout" "$gerr"
  no_secret_left "opencode" "$key_g" "$home" "$out" "$err" "$gout" "$gerr"
  upstream_got "opencode" "x-api-key:$key_a" "x-goog-api-key:$key_g"
  if echo "$upstream_seen" | grep -q "sk-ant-saved-login"; then fail "opencode: the saved login reached the upstream"; fi
  pass "opencode run answers through the broker on Anthropic and Gemini with no config, connecting nowhere else"
}

# The control for the profile: the same opencode without it (started by sh) takes
# ANTHROPIC_BASE_URL as ending in /v1 and posts to a path the broker does not serve.
opencode_control() {
  local home=$work/opencode/control status
  status=$(run_agent "$home" "$work/opencode/control" ANTHROPIC_API_KEY="sk-ant-control" \
    ANTHROPIC_BASE_URL="https://localhost:$port/anthropic" "${switches[@]}" \
    -- sh -c 'exec opencode run -m anthropic/claude-sonnet-4-5 hi')
  [ "$status" != 0 ] || { fail "control: opencode without the profile succeeded"; return; }
  grep -q "POST /anthropic/messages -> 403" "$work/opencode/control.err" ||
    { fail "control: opencode without the profile did not post /anthropic/messages"; return; }
  pass "control: opencode without the profile posts /anthropic/messages, which the broker refuses"
}

opencode_turns
opencode_control
exit_with_failures
