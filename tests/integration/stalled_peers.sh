# Stalled peers: --request-timeout closes a connection whose request stays
# unfinished (half an HTTP head, half a DNS query, one dripped byte by
# byte) within about the timeout
# and counts it (closed_by.request_timeout); a silent peer, or one sending
# whole requests slowly, is not closed by it. --idle-timeout closes a silent
# peer; by default (0) nothing idle is closed.
source "$(dirname "$0")/lib.sh"
HERE=$(dirname "$0")
expect_usage_error "option --request-timeout" server --request-timeout 5parsecs
expect_usage_error "option --idle-timeout" server --idle-timeout -1s

# run_peers MODE KIND WAIT: "CLOSED n MAX s" of stalled_peers.py
run_peers() {
	timeout 30 python3 "$HERE/stalled_peers.py" "$PORT" "$1" "$2" "$3" | tee "$WORK/py.out" >&2
	grep '^CLOSED' "$WORK/py.out"
}

for mode in http dns; do
	PORT=$(free_port)
	start_server "$PORT" --mode "$mode" --processes 1 -w 2 --request-timeout 1s --json "$WORK/$mode.json"
	read -r _ n _ max < <(run_peers "$mode" half 5)
	[ "$n" -eq 3 ] || fail "$mode: --request-timeout 1s closed $n of 3 peers with half a request within 5 s"
	awk -v m="$max" 'BEGIN { exit !(m >= 0.9 && m <= 2.5) }' || fail "$mode: half-request peers closed after $max s (want ~1-2 s)"
	read -r _ n _ max < <(run_peers "$mode" drip 5)
	[ "$n" -eq 3 ] || fail "$mode: --request-timeout 1s closed $n of 3 peers dripping one request byte by byte"
	awk -v m="$max" 'BEGIN { exit !(m >= 0.9 && m <= 2.5) }' || fail "$mode: dripping peers closed after $max s (want ~1-2 s)"
	read -r _ n _ _ < <(run_peers "$mode" silent 2.5)
	[ "$n" -eq 0 ] || fail "$mode: --request-timeout 1s closed $n silent peers (no request started)"
	read -r _ n _ _ < <(run_peers "$mode" trickle 2.5)
	[ "$n" -eq 0 ] || fail "$mode: --request-timeout 1s closed $n peers sending whole requests every 0.3 s"
	stop_server
	J=$WORK/$mode.json
	json "$J" '.config.request_timeout_us == 1000000 and .config.idle_timeout_us == 0' >/dev/null ||
		fail "$mode: config timeouts $(jq -c '.config | {request_timeout_us, idle_timeout_us}' "$J")"
	rt=$(jq '.connections.closed_by.request_timeout // 0' "$J")
	[ "$rt" -eq 6 ] || fail "$mode: closed_by $(jq -c .connections.closed_by "$J"), want request_timeout 6"
	grep -q "request_timeout 6" "$WORK/server.out" || fail "$mode: the summary does not count request_timeout 3: $(cat "$WORK/server.out")"
done

# --idle-timeout: a silent echo peer is closed; by default it is held
PORT=$(free_port)
start_server "$PORT" --mode echo --processes 1 -w 1 --idle-timeout 1s --json "$WORK/idle.json"
timeout 30 python3 - "$PORT" <<'PY' || fail "echo --idle-timeout 1s: $(cat "$WORK/server.err")"
import socket, sys, time
port = int(sys.argv[1])
silent = socket.create_connection(("127.0.0.1", port))
busy = socket.create_connection(("127.0.0.1", port))
t0 = time.time()
silent.settimeout(0.1)
closed = None
while time.time() - t0 < 4 and closed is None:
    busy.sendall(b"x")
    busy.recv(1)
    try:
        if silent.recv(1) == b"":
            closed = time.time() - t0
    except socket.timeout:
        pass
print(f"idle peer closed after {closed} s; the busy one is still served")
busy.sendall(b"y")
assert busy.recv(1) == b"y", "the busy peer was closed"
sys.exit(0 if closed is not None and 0.9 <= closed <= 2.5 else 1)
PY
stop_server
it=$(jq '.connections.closed_by.idle_timeout // 0' "$WORK/idle.json")
[ "$it" -eq 1 ] || fail "--idle-timeout: closed_by $(jq -c .connections.closed_by "$WORK/idle.json"), want idle_timeout 1"

PORT=$(free_port)
start_server "$PORT" --mode http --processes 1 -w 1 --json "$WORK/default.json"
read -r _ n _ _ < <(run_peers http silent 2.5)
[ "$n" -eq 0 ] || fail "default: $n silent peers closed (--idle-timeout is off by default)"
stop_server
echo "PASS stalled_peers: half requests closed after ~1 s (http, dns), silent and slow peers kept, --idle-timeout closes a silent peer"
