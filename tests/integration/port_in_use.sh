# A server started on a port that something already listens on exits 2
# with one message naming the option (not sharing the port through
# SO_REUSEPORT): another tcpswarm (several processes), python3 http.server,
# a tcpswarm holding one port inside a -p A-B range;
# an address the host does not have fails once, without traffic; of two
# servers started at the same moment exactly one gets the port.
source "$(dirname "$0")/lib.sh"
PORT=$(free_port)

# second_refused WHO: a second server on PORT exits 2 within 5 s, one line
second_refused() {
	local rc=0 t0 t1
	t0=$(date +%s%N)
	timeout 10 "$BIN" server -p "$PORT" --processes 2 -w 2 >"$WORK/second.out" 2>"$WORK/second.err" || rc=$?
	t1=$(date +%s%N)
	[ "$rc" -eq 2 ] || fail "$1 holds $PORT: second server exited $rc (want 2): $(cat "$WORK/second.err")"
	[ $(((t1 - t0) / 1000000)) -lt 5000 ] || fail "$1 holds $PORT: refusal took $(((t1 - t0) / 1000000)) ms"
	grep -q -- "-p" "$WORK/second.err" && grep -q "$PORT" "$WORK/second.err" && grep -qi "in use" "$WORK/second.err" ||
		fail "$1 holds $PORT: message does not name -p, the port and the cause: $(cat "$WORK/second.err")"
	[ "$(wc -l <"$WORK/second.err")" -eq 1 ] || fail "$1 holds $PORT: not one line: $(cat "$WORK/second.err")"
}

# 1. another tcpswarm (2 processes x 2 workers each: 4 listeners)
start_server "$PORT" --processes 2 -w 2
for _ in $(seq 1 100); do
	before=$(ss -Htln "sport = :$PORT" | wc -l)
	[ "$before" -ge 4 ] && break
	sleep 0.05
done
[ "$before" -eq 4 ] || fail "first server: $before listeners, want 4"
second_refused tcpswarm
after=$(ss -Htln "sport = :$PORT" | wc -l)
[ "$after" -eq "$before" ] || fail "listeners on $PORT went from $before to $after: the port was shared"
# the first server still answers
timeout 20 "$BIN" client "127.0.0.1:$PORT" -c 2 -r 50 -T 1s -q --json "$WORK/c.json" >/dev/null 2>&1 ||
	fail "first server stopped answering after the refused start"
stop_server
# TIME-WAIT left by that run must not block a new server on the port
ss -Htan state time-wait "( sport = :$PORT or dport = :$PORT )" | grep -q . || echo "note: no TIME-WAIT left to test against"
start_server "$PORT" -w 1 --processes 1
stop_server

# 2. a python3 http.server
python3 -m http.server "$PORT" --bind 127.0.0.1 >/dev/null 2>&1 &
PY=$!
PIDS+=("$PY")
SERVER_PID=$PY wait_listening "$PORT"
second_refused python3
kill "$PY"
wait "$PY" 2>/dev/null || true

# 2b. -p A-B: a tcpswarm holding only the third port of the range (it listens
# with SO_REUSEPORT, so only the probe of every port finds it)
for _ in $(seq 1 20); do
	[ -z "$(ss -Htan "( sport >= :$PORT and sport <= :$((PORT + 3)) )")" ] && break
	PORT=$(free_port)
done
HELD=$((PORT + 2))
start_server "$HELD" --processes 1 -w 2
rc=0
timeout 10 "$BIN" server -p "$PORT-$((PORT + 3))" --processes 1 -w 2 >"$WORK/range.out" 2>"$WORK/range.err" || rc=$?
[ "$rc" -eq 2 ] || fail "-p $PORT-$((PORT + 3)) with $HELD held exited $rc (want 2): $(cat "$WORK/range.err")"
grep -q ":$HELD: " "$WORK/range.err" && grep -qi "in use" "$WORK/range.err" ||
	fail "-p $PORT-$((PORT + 3)): the message does not name the held port $HELD: $(cat "$WORK/range.err")"
[ "$(ss -Htln "sport = :$HELD" | wc -l)" -eq 2 ] || fail "listeners on $HELD changed: the port was shared"
[ -z "$(ss -Htln "sport = :$PORT")" ] || fail "the refused range left a listener on $PORT"
stop_server

# 3. an address not on this host (TEST-NET-1): bind fails, nothing is sent
rc=0
timeout 10 "$BIN" server -b 192.0.2.1 -p "$PORT" -w 4 --processes 2 >"$WORK/addr.out" 2>"$WORK/addr.err" || rc=$?
[ "$rc" -eq 2 ] || fail "bind to 192.0.2.1 exited $rc (want 2): $(cat "$WORK/addr.err")"
[ "$(wc -l <"$WORK/addr.err")" -eq 1 ] || fail "bind to 192.0.2.1: not one line of error: $(cat "$WORK/addr.err")"
grep -q -- "-b" "$WORK/addr.err" && grep -q "192.0.2.1" "$WORK/addr.err" ||
	fail "bind to 192.0.2.1: message does not name -b and the address: $(cat "$WORK/addr.err")"
# 4. two servers started at the same moment: exactly one gets the port
for try in 1 2 3; do
	PORT=$(free_port)
	timeout 20 "$BIN" server -p "$PORT" -q --processes 2 -w 2 -T 2s >/dev/null 2>"$WORK/a.err" &
	A=$!
	timeout 20 "$BIN" server -p "$PORT" -q --processes 2 -w 2 -T 2s >/dev/null 2>"$WORK/b.err" &
	B=$!
	PIDS+=("$A" "$B")
	sleep 1
	n=$(ss -Htln "sport = :$PORT" | wc -l)
	ra=0 rb=0
	wait "$A" || ra=$?
	wait "$B" || rb=$?
	[ "$n" -eq 4 ] || fail "concurrent start $try: $n listeners on $PORT, want the 4 of one server"
	[ $((ra + rb)) -eq 2 ] && [ $((ra * rb)) -eq 0 ] || fail "concurrent start $try: exits $ra and $rb, want one 0 and one 2"
done
echo "PASS port_in_use: tcpswarm and python3 holders refused (exit 2, one line), 192.0.2.1 refused once, concurrent starts: one wins"
