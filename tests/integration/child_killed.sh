# Killing one worker process mid-run: the parent reports it, exits non-zero,
# and no process of the run remains.
source "$(dirname "$0")/lib.sh"
PORT=$(free_port)
start_server "$PORT" --processes 2
timeout 30 "$BIN" client "127.0.0.1:$PORT" -c 400 --processes 4 -r 1k -T 10s -q >"$WORK/summary" 2>&1 &
CLIENT=$!
PIDS+=("$CLIENT")
kids=""
for _ in $(seq 1 50); do
	main=$(pgrep -P "$CLIENT" || true) # tcpswarm under timeout
	kids=$( [ -n "$main" ] && pgrep -P "$main" || true)
	[ "$(echo "$kids" | wc -w)" -ge 4 ] && break
	sleep 0.1
done
[ "$(echo "$kids" | wc -w)" -eq 4 ] || fail "expected 4 worker processes, found: $kids"
sleep 1
victim=$(echo "$kids" | head -1)
kill -KILL "$victim"
rc=0
wait "$CLIENT" || rc=$?
cat "$WORK/summary"
[ "$rc" -ne 0 ] || fail "client exited 0 after a worker process was killed"
grep -q "worker process .*(pid $victim) was killed by signal 9" "$WORK/summary" || fail "death not reported"
for k in $kids; do
	! kill -0 "$k" 2>/dev/null || fail "worker process $k survived the run"
done
# the server's workers too, once it is stopped
smain=$(pgrep -P "$SERVER_PID" || true)
skids=$( [ -n "$smain" ] && pgrep -P "$smain" || true)
[ "$(echo "$skids" | wc -w)" -eq 2 ] || fail "expected 2 server worker processes, found: $skids" 
stop_server
for k in $skids; do
	! kill -0 "$k" 2>/dev/null || fail "server worker process $k survived"
done
echo "PASS child_killed"
