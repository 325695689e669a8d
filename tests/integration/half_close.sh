# Half-close: a peer that sends part of a request (half an echo frame, half
# an HTTP head, half a DNS length-prefixed query, or a whole request and
# half of the next) and then shutdown(SHUT_WR) is closed by the server in
# every mode: no server socket stays in CLOSE-WAIT, each is counted closed
# by the peer, and the open count returns to 0.
source "$(dirname "$0")/lib.sh"
HERE=$(dirname "$0")
for mode in echo sink http dns; do
	PORT=$(free_port)
	start_server "$PORT" --mode "$mode" --processes 1 -w 2 --json "$WORK/$mode.json"
	rc=0
	mkfifo "$WORK/in.$mode"
	timeout 20 python3 "$HERE/half_close.py" "$PORT" "$mode" <"$WORK/in.$mode" >"$WORK/py.out" 2>&1 &
	PY=$!
	PIDS+=("$PY")
	exec 7>"$WORK/in.$mode"
	cw=1
	for _ in $(seq 1 40); do
		sleep 0.1
		grep -q "half-closed" "$WORK/py.out" || continue
		cw=$(ss -Htan state close-wait "sport = :$PORT" | wc -l)
		[ "$cw" -eq 0 ] && break
	done
	exec 7>&-
	wait "$PY" || rc=$?
	cat "$WORK/py.out"
	[ "$cw" -eq 0 ] || fail "$mode: $cw server sockets in CLOSE-WAIT 4 s after the peers half-closed"
	[ "$rc" -eq 0 ] || fail "$mode: the server did not close every half-closed peer"
	stop_server
	J=$WORK/$mode.json
	acc=$(jq .connections.accepted "$J")
	peer=$(jq '.connections.closed_by.peer_closed // 0' "$J")
	runend=$(jq '.connections.closed_by.run_end // 0' "$J")
	[ "$acc" -eq 6 ] || fail "$mode: accepted $acc, want 6"
	[ "$runend" -eq 0 ] || fail "$mode: $runend connections were still open at the end (closed by run_end)"
	[ "$peer" -eq 6 ] || fail "$mode: closed_by $(jq -c .connections.closed_by "$J"), want peer_closed 6"
done
echo "PASS half_close: echo, sink, http, dns close every half-closed peer, none left in CLOSE-WAIT"
