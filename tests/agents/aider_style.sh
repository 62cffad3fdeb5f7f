#!/usr/bin/env bash
# Tools that read OPENAI_API_BASE (aider, gpt-engineer): the aider profile sets it beside
# OPENAI_BASE_URL. aider itself is Python from PyPI, which cannot be installed here, so the
# command run is standins/aider: the same name, on LangChain's OpenAI client (pinned in
# package-lock.json), which takes OPENAI_API_BASE before OPENAI_BASE_URL. Checked: the
# answer through the broker, the variable pointing at the broker, the key upstream and never
# the token; the control (the same stand-in started by sh, so without the profile) gets no
# OPENAI_API_BASE, which aider would then replace with api.openai.com.
#   aider_style.sh SAFE_RUN_BINARY FAKE_UPSTREAM_BINARY
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=common.sh
. "$here/common.sh" "$@"
agent_path=$here/standins:$bin

aider_turn() {
  start_fake aider
  local key="sk-proj-aider-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')" home=$work/aider/home status
  local out=$work/aider/run.out err=$work/aider/run.err
  status=$(run_agent "$home" "$work/aider/run" OPENAI_API_KEY="$key" \
    OPENAI_BASE_URL="https://localhost:$port/openai/v1" -- aider --message "Say hello")
  [ "$status" = 0 ] || { cat "$out" "$err"; fail "aider stand-in exited $status"; return; }
  grep -q "Hello from fake" "$out" || fail "aider stand-in printed no answer"
  grep -qE "^OPENAI_API_BASE=http://127\.0\.0\.1:[0-9]+/openai/v1$" "$err" || fail "OPENAI_API_BASE was not the broker's"
  grep -q "POST /openai/v1/chat/completions -> 200 allowed" "$err" || fail "the turn did not go through the broker"
  no_secret_left "aider" "$key" "$home" "$out" "$err"
  upstream_got "aider" "authorization:Bearer $key"
  pass "an OPENAI_API_BASE client named aider answers through the broker with no config"
}

aider_control() {
  local status
  status=$(run_agent "$work/aider/control" "$work/aider/control" OPENAI_API_KEY="sk-proj-control" \
    OPENAI_BASE_URL="https://localhost:$port/openai/v1" -- sh -c 'exec aider --message hi')
  grep -q "^OPENAI_API_BASE=<unset>$" "$work/aider/control.err" ||
    { fail "control: without the profile OPENAI_API_BASE was set (exit $status)"; return; }
  pass "control: the same command without the profile gets no OPENAI_API_BASE"
}

aider_turn
aider_control
exit_with_failures
