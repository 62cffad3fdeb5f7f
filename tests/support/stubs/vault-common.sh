# Shared by the stub CLIs: they answer like the real tools, from files in $SAFE_RUN_TEST_VAULT.
#   <vault>/<name>       the secret for <name>, printed with a trailing newline
#   <vault>/.signed-out  every tool fails as its real counterpart does when not signed in
#   <vault>/.slow        every tool hangs (for timeouts)
#   <vault>/.empty       every tool prints nothing and succeeds
vault=${SAFE_RUN_TEST_VAULT:?SAFE_RUN_TEST_VAULT is not set}
echo "stub $(basename "$0"): checking credentials..." >&2
[ -e "$vault/.slow" ] && exec sleep 300
[ -e "$vault/.empty" ] && exit 0
print_secret() {
  if [ -f "$vault/$1" ]; then cat "$vault/$1"; echo; else echo "stub: no secret named $1" >&2; exit 1; fi
}
