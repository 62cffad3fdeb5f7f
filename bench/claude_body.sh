#!/usr/bin/env bash
# claude_body.sh BYTES: prints a JSON request body shaped like one Claude Code turn
# (POST /v1/messages?beta=true) of about BYTES bytes: model, max_tokens, stream, a system
# prompt, tool definitions and a conversation whose tool results fill the rest. `model` comes
# first and `max_tokens` last, as far apart as a policy that reads both has to look.
set -euo pipefail
size=${1:?usage: claude_body.sh BYTES}
awk -v size="$size" 'BEGIN {
  line = "    at handler (src/server/routes/messages.ts:142:17) // TODO: keep the diff small, then rerun the test suite\\n";
  head = "{\"model\":\"claude-sonnet-4-5-20250929\",\"stream\":true,\"system\":[{\"type\":\"text\",\"text\":\"You are Claude Code, an interactive CLI tool that helps users with software engineering tasks.\",\"cache_control\":{\"type\":\"ephemeral\"}}],\"tools\":[{\"name\":\"Bash\",\"description\":\"Executes a given bash command in a persistent shell session.\",\"input_schema\":{\"type\":\"object\",\"properties\":{\"command\":{\"type\":\"string\"}},\"required\":[\"command\"]}},{\"name\":\"Read\",\"description\":\"Reads a file from the local filesystem.\",\"input_schema\":{\"type\":\"object\",\"properties\":{\"file_path\":{\"type\":\"string\"}}}}],\"messages\":[";
  tail = "],\"metadata\":{\"user_id\":\"user_bench_session\"},\"max_tokens\":32000}";
  out = head; turn = 0;
  while (length(out) + length(tail) < size) {
    if (turn > 0) out = out ",";
    out = out "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_" turn "\",\"content\":\"";
    budget = size - length(out) - length(tail) - 8;
    if (budget > 16384) budget = 16384;
    chunk = "";
    while (length(chunk) + length(line) <= budget) chunk = chunk line;
    out = out chunk "\"}]}";
    turn++;
    if (budget < length(line)) break;
  }
  printf "%s%s", out, tail;
}'
