# Killing one worker process mid-run: the parent reports it, exits non-zero,
# and no process of the run remains; the report stays whole: intended counts
# the dead worker's share (it was below sent) and says its figures are partial.
source "$(dirname "$0")/lib.sh"
PORT=$(free_port)
start_server "$PORT" --processes 2
timeout 30 "$BIN" client "127.0.0.1:$PORT" -c 400 --processes 4 -r 1k -T 10s -q --json "$WORK/run.json" >"$WORK/summary" 2>&1 &
CLIENT=$!
PIDS+=("$CLIENT")
worker_processes "$CLIENT" 4
kids=$WORKERS
sleep 1
victim=$(echo "$kids" | head -1)
kill -KILL "$victim"
rc=0
wait "$CLIENT" || rc=$?
cat "$WORK/summary"
[ "$rc" -ne 0 ] || fail "client exited 0 after a worker process was killed"
grep -q "worker process .*(pid $victim) was killed by signal 9" "$WORK/summary" || fail "death not reported"
assert_gone "worker process" $kids
J=$WORK/run.json
jq -e . "$J" >/dev/null || fail "no complete JSON report after a worker was killed"
sent=$(jq .requests.sent "$J")
intended=$(jq .requests.intended "$J")
[ "$sent" -gt 0 ] || fail "nothing sent"
[ "$intended" -ge "$sent" ] || fail "intended $intended < sent $sent: the killed worker's share is missing"
jq -r .failure "$J" | grep -q "partial" || fail "the report does not say the killed worker's figures are partial: $(jq -r .failure "$J")"
# the server's workers too, once it is stopped
worker_processes "$SERVER_PID" 2
skids=$WORKERS
stop_server
assert_gone "server worker process" $skids
echo "PASS child_killed"
