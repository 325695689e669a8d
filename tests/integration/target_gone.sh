# Exit status a CI job can trust: the server killed mid-run (SIGKILL by PID)
# exits 1 with a complete JSON and the reason; a closed port exits 1
# ("no connection was ever established") even without --expect-connections.
source "$(dirname "$0")/lib.sh"
PORT=$(free_port)
"$BIN" server -p "$PORT" -q -w 1 --processes 1 >"$WORK/server.out" 2>&1 &
SRV=$!
PIDS+=("$SRV")
wait_listening "$PORT"
timeout 30 "$BIN" client "127.0.0.1:$PORT" -c 20 -r 1k -T 4s -q -w 1 --processes 1 --max-error-rate 1% \
	--json "$WORK/c.json" >"$WORK/summary" 2>&1 &
CLIENT=$!
PIDS+=("$CLIENT")
sleep 1.5
kill -KILL "$SRV"
rc=0
wait "$CLIENT" || rc=$?
cat "$WORK/summary"
C=$WORK/c.json
[ "$rc" -eq 1 ] || fail "client exited $rc after its target was killed (expected 1)"
jq . "$C" >/dev/null || fail "the JSON does not parse"
json "$C" '.failure | test("target went away")' >/dev/null || fail "JSON failure: $(jq -c .failure "$C")"
json "$C" '.connections.established >= 20 and .connections.longest_outage_s > 1' >/dev/null ||
	fail "outage: $(jq -c '.connections | del(.connect_latency_us)' "$C")"
json "$C" '.diagnosis[0].limit == "target_gone"' >/dev/null || fail "diagnosis: $(jq -c '[.diagnosis[].limit]' "$C")"
# ~2.5 s of the schedule (1k/s) could not be sent: counted as intended and in the gate
json "$C" '.requests.not_sent_down >= 1500 and .requests.intended >= .requests.sent + .requests.not_sent_down' \
	>/dev/null || fail "not sent while down: $(jq -c .requests "$C")"
json "$C" '.gates_failed | map(test("max-error-rate")) | any' >/dev/null || fail "gate: $(jq -c .gates_failed "$C")"
grep -q "^FAILED .*the target went away: no connection could be held or reopened" "$WORK/summary" ||
	fail "summary does not say the target went away"

PORT2=$(free_port)
rc=0
timeout 20 "$BIN" client "127.0.0.1:$PORT2" -c 5 -T 1s -q --json "$WORK/closed.json" >"$WORK/closed" 2>&1 || rc=$?
cat "$WORK/closed"
[ "$rc" -eq 1 ] || fail "closed port: exit $rc (expected 1)"
grep -q "^FAILED .*no connection was ever established" "$WORK/closed" || fail "closed port: no reason in the summary"
json "$WORK/closed.json" '(.failure | test("no connection was ever established")) and .connections.established == 0' \
	>/dev/null || fail "closed port JSON: $(jq -c .failure "$WORK/closed.json")"
echo "PASS target_gone: killed target and closed port both exit 1 with the reason"
