# The server half of the NAT-lab tests (nat_netns.sh, nat_conntrack.sh),
# sourced after lib.sh with TSW_LAB_PREFIX exported: the lab's script and
# names, and one server in the lab's server namespace.
LAB=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/tools/netns-lab.sh
SRV=$TSW_LAB_PREFIX-srv
RTR=$TSW_LAB_PREFIX-rtr

# server ARGS...: in the server namespace (one worker, one process), JSON to
# $WORK/s.json; returns once port 7000 listens
server() {
	rm -f "$WORK/s.json"
	timeout 40 ip netns exec "$SRV" "$BIN" server -w 1 --processes 1 -q --json "$WORK/s.json" "$@" \
		>"$WORK/s.out" 2>"$WORK/s.err" &
	SERVER=$!
	PIDS+=("$SERVER")
	for _ in $(seq 1 100); do
		ip netns exec "$SRV" ss -Htln "sport = :7000" | grep -q . && return 0
		kill -0 "$SERVER" 2>/dev/null || fail "server exited: $(cat "$WORK/s.err")"
		sleep 0.05
	done
	fail "server not listening after 5 s"
}

# stop_server: SIGINT; the server must have written its JSON
stop_server() {
	kill -INT "$SERVER"
	wait "$SERVER" || true
	[ -s "$WORK/s.json" ] || fail "server wrote no JSON: $(cat "$WORK/s.err")"
}
