# A closed port: every connect fails with ECONNREFUSED, counted by errno, the
# diagnosis names it, and the CI gate turns it into exit 1. Failed connects
# are retried (per-slot backoff 50 ms doubling to 1 s): in 1 s each of the 20
# slots tries 4 to 5 times, so ECONNREFUSED is at least 20 (and at most 6
# per slot), and "no connection was ever established" is the failure.
source "$(dirname "$0")/lib.sh"
PORT=$(free_port)
rc=0
timeout 20 "$BIN" client "127.0.0.1:$PORT" -c 20 -T 1s -q --json "$WORK/c.json" --expect-connections 1 \
	>"$WORK/summary" 2>&1 || rc=$?
cat "$WORK/summary"
[ "$rc" -eq 1 ] || fail "expected exit 1 (gate missed), got $rc"
json "$WORK/c.json" '.connections.errors.ECONNREFUSED >= 20 and .connections.errors.ECONNREFUSED <= 120
	and .connections.errors.ECONNREFUSED == .connections.attempted and .connections.established == 0' >/dev/null ||
	fail "ECONNREFUSED not counted: $(jq -c .connections "$WORK/c.json")"
json "$WORK/c.json" '.diagnosis[0].limit == "refused"' >/dev/null || fail "diagnosis does not name refused"
n=$(jq .connections.errors.ECONNREFUSED "$WORK/c.json")
grep -q "ECONNREFUSED $n" "$WORK/summary" || fail "summary does not show 'ECONNREFUSED $n'"
grep -q "^FAILED         no connection was ever established" "$WORK/summary" || fail "summary lacks the failure"
# --reconnect off: no retry, exactly one refused connect per slot (today's attrition)
rc=0
timeout 20 "$BIN" client "127.0.0.1:$PORT" -c 20 -T 1s -q --reconnect off --json "$WORK/off.json" >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "--reconnect off: expected exit 1, got $rc"
json "$WORK/off.json" '.connections.errors.ECONNREFUSED == 20' >/dev/null ||
	fail "--reconnect off retried: $(jq -c .connections.errors "$WORK/off.json")"
grep -q "gate failed    --expect-connections 1" "$WORK/summary" || fail "gate failure not explained"
echo "PASS refused"
