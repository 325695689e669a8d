# SIGINT to a client spread over worker processes stops them all, still
# prints the summary and writes the JSON (interrupted), exits 0, and leaves
# no process behind. And -T is kept even when every connect hangs.
source "$(dirname "$0")/lib.sh"
PORT=$(free_port)
start_server "$PORT" --processes 2
timeout 60 "$BIN" client "127.0.0.1:$PORT" -c 600 --processes 3 -r 2k -T 30s -q --json "$WORK/c.json" \
	>"$WORK/summary" 2>&1 &
CLIENT=$!
PIDS+=("$CLIENT")
sleep 2
worker_processes "$CLIENT" 3
kids=$WORKERS
kill -INT "$MAIN_PID"
rc=0
wait "$CLIENT" || rc=$?
cat "$WORK/summary"
[ "$rc" -eq 0 ] || fail "client exited $rc after SIGINT"
grep -q "(interrupted)" "$WORK/summary" || fail "summary does not say interrupted"
jq -e '.interrupted == true and .connections.established == 600 and .requests.answered > 0' "$WORK/c.json" \
	>/dev/null || fail "JSON: $(jq -c '{interrupted, connections: .connections.established}' "$WORK/c.json")"
assert_gone "worker process" $kids
stop_server

# connects that hang: a listener that never accepts, backlog 1, SYNs to a full
# queue are dropped; -T 2s must still end the run on time
PORT2=$(free_port)
start_server "$PORT2" --backlog 1 --accept-pause 60s --processes 1 -w 1
start=$(date +%s%N)
timeout 30 "$BIN" client "127.0.0.1:$PORT2" -c 200 --connect-timeout 30s -T 2s -q >"$WORK/hang" 2>&1 || true
ms=$((($(date +%s%N) - start) / 1000000))
[ "$ms" -lt 6000 ] || fail "-T 2s run with hanging connects took $ms ms (connect timeout 30 s)"
echo "PASS sigint_fanout (hanging connects: -T 2s returned in $ms ms)"
