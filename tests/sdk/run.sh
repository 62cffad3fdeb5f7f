#!/usr/bin/env bash
# The official SDKs (Anthropic 0.x and 1.x, OpenAI 6.x) run under safe-run against the TLS
# fake upstream; then what the upstream received and everything safe-run printed are checked.
#   run.sh SAFE_RUN_BINARY FAKE_UPSTREAM_BINARY
set -euo pipefail
safe_run=$1
fake_upstream=$2
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -d "$here/node_modules/openai" ]; then
  echo "FAIL: $here/node_modules is missing: run 'npm ci --prefix tests/sdk' (./dev.sh test does)" >&2
  exit 1
fi

work=$(mktemp -d)
coproc FAKE { exec "$fake_upstream" --tls "$work"; }
fake_pid=$FAKE_PID
trap 'kill "$fake_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
read -r _ port <&"${FAKE[0]}"

anthropic_key="sk-ant-sdk-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
openai_key="sk-proj-sdk-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
mkdir -m 700 "$work/runtime"

# The SDKs run with a policy in force: a budget, a ceiling below what they ask, an allowlist,
# so lowering, metering and the stripped usage chunk are proven not to break them.
cat >"$work/config.json" <<EOF
{
  "policy": {
    "budget_usd": 5, "max_output_tokens": 512, "requests_per_minute": 1000,
    "prices": {"claude-test": {"input": 3, "output": 15}, "gpt-test": {"input": 1.25, "output": 10},
               "text-embedding-test": {"input": 0.02, "output": 0}}
  },
  "routes": [
    {"name": "anthropic", "provider": "anthropic", "upstream": "https://localhost:$port/anthropic",
     "credential": "x-api-key: {secret}", "secret": {"env": "ANTHROPIC_API_KEY"},
     "allow": ["POST /v1/messages", "POST /v1/messages/count_tokens", "GET /v1/models", "GET /v1/models/*"],
     "child_env": {"ANTHROPIC_BASE_URL": "{base_url}", "ANTHROPIC_API_KEY": "{token}"},
     "policy": {"models": ["claude-*"]}},
    {"name": "openai", "base_path": "/openai/v1", "provider": "openai", "upstream": "https://localhost:$port/openai/v1",
     "credential": "Authorization: Bearer {secret}", "secret": {"env": "OPENAI_API_KEY"},
     "allow": ["POST /chat/completions", "POST /responses", "POST /embeddings", "GET /models", "GET /models/*"],
     "child_env": {"OPENAI_BASE_URL": "{base_url}", "OPENAI_API_KEY": "{token}"},
     "policy": {"models": ["gpt-*", "text-embedding-*"]}}
  ]
}
EOF

status=0
env -i PATH="$PATH" HOME="$HOME" LANG=C.UTF-8 XDG_RUNTIME_DIR="$work/runtime" \
  SSL_CERT_FILE="$work/ca.pem" \
  ANTHROPIC_BASE_URL="https://localhost:$port/anthropic" ANTHROPIC_API_KEY="$anthropic_key" \
  OPENAI_BASE_URL="https://localhost:$port/openai/v1" OPENAI_API_KEY="$openai_key" \
  "$safe_run" --config "$work/config.json" --summary-json "$work/summary.json" -- node --test --test-reporter=spec "$here/anthropic.test.mjs" "$here/openai.test.mjs" \
  >"$work/stdout" 2>"$work/stderr" || status=$?
cat "$work/stdout" "$work/stderr"
if [ "$status" -ne 0 ]; then
  echo "FAIL: the SDK tests under safe-run exited $status" >&2
  exit 1
fi
if grep -qF -e "$anthropic_key" -e "$openai_key" "$work/stdout" "$work/stderr"; then
  echo "FAIL: a provider key appeared in the session's output" >&2
  exit 1
fi
if ! node -e '
  const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const t = s.usage.total;
  if (!(t.requests >= 5 && t.cost_micro_usd > 0 && s.budget_exhausted === false)) {
    console.error("usage in the summary:", JSON.stringify(s.usage)); process.exit(1);
  }' "$work/summary.json"; then
  echo "FAIL: the session's summary did not meter the SDK requests" >&2
  exit 1
fi
FAKE_UPSTREAM_URL="https://localhost:$port" NODE_EXTRA_CA_CERTS="$work/ca.pem" \
  ANTHROPIC_KEY="$anthropic_key" OPENAI_KEY="$openai_key" node "$here/verify-upstream.mjs"
