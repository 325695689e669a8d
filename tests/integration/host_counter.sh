# Own evidence before host evidence: a second listener (backlog 1, never
# accepts) is overflowed by this test while our server runs normally under
# a light load. ListenOverflows moves host-wide, yet neither our server nor
# our client names accept_queue as its limit; at most a host-wide note.
source "$(dirname "$0")/lib.sh"
PORT=$(free_port)
OTHER=$(free_port)
[ "$OTHER" != "$PORT" ] || OTHER=$((PORT + 1))
start_server "$PORT" -w 1 --processes 1 --json "$WORK/server.json"

# the other process: listens with backlog 1, never accepts, and fills its
# own queue from 30 connects a little after the client started
python3 - "$OTHER" >"$WORK/other.out" 2>&1 <<'PY' &
import socket, sys, time
port = int(sys.argv[1])
ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", port))
ls.listen(1)
time.sleep(0.5)
cs = []
for _ in range(30):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    s.connect_ex(("127.0.0.1", port))
    cs.append(s)
time.sleep(2.5)
print("done")
PY
PIDS+=($!)
OTHER_PID=$!

rc=0
timeout 60 "$BIN" client "127.0.0.1:$PORT" -c 5 -r 200 -T 3s -q --json "$WORK/client.json" >"$WORK/summary" 2>&1 ||
	rc=$?
cat "$WORK/summary"
[ "$rc" -eq 0 ] || fail "client exited $rc"
wait "$OTHER_PID" || fail "the other listener failed: $(cat "$WORK/other.out")"
stop_server
cat "$WORK/server.out"
S=$WORK/server.json
C=$WORK/client.json
json "$S" '.kernel.deltas.ListenOverflows > 0' >/dev/null ||
	fail "the other listener did not overflow: $(jq -c .kernel.deltas "$S")"
json "$S" '.listener.accept_queue_peak < .listener.backlog_effective' >/dev/null ||
	fail "our server's own queue filled: $(jq -c .listener "$S")"
json "$S" '[.diagnosis[].limit] | index("accept_queue") == null' >/dev/null ||
	fail "our server blamed its own accept queue: $(jq -c .diagnosis "$S")"
json "$S" '[.diagnosis[] | select(.limit == "host_listen_overflow")][0].evidence |
	test("host counter moved; other processes may have moved it")' >/dev/null ||
	fail "no host-wide note: $(jq -c .diagnosis "$S")"
json "$C" '[.diagnosis[].limit] | index("accept_queue") == null' >/dev/null ||
	fail "our client blamed the server's accept queue: $(jq -c .diagnosis "$C")"
echo "PASS host_counter: ListenOverflows +$(jq .kernel.deltas.ListenOverflows "$S"), server findings $(jq -c '[.diagnosis[].limit]' "$S")"
