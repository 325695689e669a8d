# SIGINT to a client holding 3,000 connections in 2 worker processes, in
# steady state: it returns within 5 s with the summary and a complete JSON
# marked interrupted, says what it left on the host (left_on_host: TIME-WAIT
# beside tcp_max_tw_buckets, orphans, processes still closing), and every
# process it started is gone (reaped, no zombie) within 10 s. Both close modes.
# The server says what it left on the host too (summary line and JSON).
source "$(dirname "$0")/lib.sh"
PORT=$(free_port)
start_server "$PORT" --processes 2 --json "$WORK/server.json"
N=3000
# gone PID...: true when none exists, a zombie included (kill -0 sees zombies)
gone() {
	local p
	for p in "$@"; do
		[ ! -e "/proc/$p" ] || return 1
	done
}
for mode in fin rst; do
	timeout 60 "$BIN" client "127.0.0.1:$PORT" -c $N --processes 2 -r 0 -T 50s --close $mode -q \
		--json "$WORK/$mode.json" >"$WORK/$mode.out" 2>"$WORK/$mode.err" &
	WRAP=$!
	PIDS+=("$WRAP")
	worker_processes "$WRAP" 2
	kids=$WORKERS
	up=0
	for _ in $(seq 1 200); do # 20 s
		up=$(ss -Htn state established "( sport = :$PORT )" | wc -l)
		[ "$up" -ge $N ] && break
		sleep 0.1
	done
	[ "$up" -ge $N ] || fail "$mode: only $up of $N established on :$PORT within 20 s"
	sleep 0.5 # steady state: every worker idles in its loop
	t0=$(date +%s%N)
	kill -INT "$MAIN_PID"
	rc=0
	wait "$WRAP" || rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	cat "$WORK/$mode.out"
	[ "$rc" -eq 0 ] || fail "$mode: client exited $rc after SIGINT: $(cat "$WORK/$mode.err")"
	[ "$ms" -lt 5000 ] || fail "$mode: the client took $ms ms to return after SIGINT (bound 5000)"
	grep -q "(interrupted)" "$WORK/$mode.out" || fail "$mode: summary does not say interrupted"
	grep -q "^left on host   TIME-WAIT [0-9]* of tcp_max_tw_buckets" "$WORK/$mode.out" ||
		fail "$mode: no 'left on host' line in the summary"
	json "$WORK/$mode.json" ".interrupted == true and .connections.established == $N and .connections.failed == 0
		and .connections.closed_by == {\"run_end\": $N}
		and (.left_on_host | (.time_wait | type) == \"number\" and (.orphans | type) == \"number\"
			and .tcp_max_tw_buckets == $(cat /proc/sys/net/ipv4/tcp_max_tw_buckets)
			and .teardown_processes >= 0 and .teardown_processes <= 2)" >/dev/null ||
		fail "$mode: JSON: $(jq -c '{interrupted, c: .connections.established, closed_by: .connections.closed_by, left_on_host}' "$WORK/$mode.json")"
	for _ in $(seq 1 100); do # 10 s
		gone "$MAIN_PID" $kids && break
		sleep 0.1
	done
	gone "$MAIN_PID" $kids || fail "$mode: processes left 10 s after the client returned: $(ps -o pid,stat,comm -p "$MAIN_PID,${kids//$'\n'/,}" | tail -n +2)"
	echo "$mode: returned in $ms ms; $(jq -c .left_on_host "$WORK/$mode.json")"
done
stop_server
grep -q "^left on host   TIME-WAIT [0-9]*" "$WORK/server.out" || fail "server: no 'left on host' line: $(cat "$WORK/server.out")"
json "$WORK/server.json" ".role == \"server\" and (.left_on_host | (.time_wait | type) == \"number\"
	and (.orphans | type) == \"number\" and .tcp_max_tw_buckets == $(cat /proc/sys/net/ipv4/tcp_max_tw_buckets))" >/dev/null ||
	fail "server JSON left_on_host: $(jq -c .left_on_host "$WORK/server.json")"
echo "server: $(jq -c .left_on_host "$WORK/server.json")"
echo "PASS sigint_teardown"
