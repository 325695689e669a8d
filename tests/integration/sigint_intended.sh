# SIGINT at ~1 s of a -T 10s run at 1k/s: intended counts the schedule up to
# the interrupt (~1k), not to the original end (10k). Bounds: intended is
# the run's own length times the rate, within 20 (one gap per connection of
# random phase) + 50 (the ticks between the signal and every worker seeing
# it); and the interrupt comes 1 s after the process starts, so the load ran
# at most 1 s: intended <= 1000 + 70, and >= 300 (setup under sanitizers
# takes well under 0.7 s).
source "$(dirname "$0")/lib.sh"
PORT=$(free_port)
start_server "$PORT"
"$BIN" client "127.0.0.1:$PORT" -c 20 -r 1k -T 10s -q --json "$WORK/c.json" >"$WORK/summary" 2>&1 &
CLIENT=$!
PIDS+=("$CLIENT")
sleep 1
kill -INT "$CLIENT"
rc=0
wait "$CLIENT" || rc=$?
cat "$WORK/summary"
[ "$rc" -eq 0 ] || fail "client exited $rc after SIGINT"
C=$WORK/c.json
json "$C" '.interrupted == true' >/dev/null || fail "not interrupted"
intended=$(jq .requests.intended "$C")
sent=$(jq .requests.sent "$C")
dur=$(jq .duration_s "$C")
[ "$intended" -ge 300 ] && [ "$intended" -le 1070 ] || fail "intended $intended after SIGINT at ~1 s of 1k/s"
[ "$intended" -ge "$sent" ] && [ $((intended - sent)) -le 20 ] || fail "intended $intended, sent $sent"
awk -v i="$intended" -v d="$dur" 'BEGIN { e = 1000 * d; exit !(i >= e - 70 && i <= e + 70) }' ||
	fail "intended $intended is not 1k/s x ${dur}s"
stop_server
echo "PASS sigint_intended: intended $intended, sent $sent over ${dur}s"
