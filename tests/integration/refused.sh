# A closed port: every connect fails with ECONNREFUSED, counted by errno, the
# diagnosis names it, and the CI gate turns it into exit 1.
source "$(dirname "$0")/lib.sh"
PORT=$(free_port)
rc=0
timeout 20 "$BIN" client "127.0.0.1:$PORT" -c 20 -T 1s -q --json "$WORK/c.json" --expect-connections 1 \
	>"$WORK/summary" 2>&1 || rc=$?
cat "$WORK/summary"
[ "$rc" -eq 1 ] || fail "expected exit 1 (gate missed), got $rc"
json "$WORK/c.json" '.connections.errors.ECONNREFUSED == 20 and .connections.established == 0' >/dev/null ||
	fail "ECONNREFUSED not counted: $(jq -c .connections "$WORK/c.json")"
json "$WORK/c.json" '.diagnosis[0].limit == "refused"' >/dev/null || fail "diagnosis does not name refused"
grep -q "ECONNREFUSED 20" "$WORK/summary" || fail "summary does not show 'ECONNREFUSED 20'"
grep -q "gate failed    --expect-connections 1" "$WORK/summary" || fail "gate failure not explained"
echo "PASS refused"
