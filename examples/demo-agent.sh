#!/bin/sh
# A stand-in agent for the dry-run demo: it calls both default routes with the session
# token the way an SDK would, then shows two refusals. Run it under safe-run:
#   safe-run --dry-run -- examples/demo-agent.sh
set -eu

redact() { sed -E 's/srt_[0-9a-f]{64}/srt_…(session token)/g'; }
call() {  # call LABEL CURL-ARGS...
  label=$1; shift
  printf '\n-- %s\n' "$label"
  curl -sS -w '\n   -> HTTP %{http_code}\n' "$@" | redact
}

echo "-- the agent's environment: base URLs and a session token, no provider key"
env | grep -E '^(ANTHROPIC|OPENAI|SAFE_RUN)_' | sort | redact

call "POST \$ANTHROPIC_BASE_URL/v1/messages (token as x-api-key)" \
  -H "x-api-key: $ANTHROPIC_API_KEY" -H 'anthropic-version: 2023-06-01' \
  -H 'content-type: application/json' \
  -d '{"model":"claude-sonnet-4-5","max_tokens":64,"messages":[{"role":"user","content":"Hello"}]}' \
  "$ANTHROPIC_BASE_URL/v1/messages?beta=true"

call "POST \$OPENAI_BASE_URL/chat/completions (token as Bearer)" \
  -H "Authorization: Bearer $OPENAI_API_KEY" -H 'content-type: application/json' \
  -d '{"model":"gpt-4.1","messages":[{"role":"user","content":"Hello"}]}' \
  "$OPENAI_BASE_URL/chat/completions"

call "refused: the same call without the token" \
  -H 'content-type: application/json' -d '{}' "$ANTHROPIC_BASE_URL/v1/messages"

call "refused: a path the route's allowlist does not name" \
  -H "Authorization: Bearer $OPENAI_API_KEY" "$OPENAI_BASE_URL/files"
