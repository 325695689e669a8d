# A server at its descriptor limit: connections beyond it are accepted and
# closed (shed), counted as EMFILE once each, the diagnosis names the
# rlimit, and the server does not burn CPU waiting at the limit (accept4
# fails with EMFILE even when nothing is pending: a naive loop spins).
source "$(dirname "$0")/lib.sh"
PORT=$(free_port)
# 100 descriptors: ~90 connections fit; the client opens 300
(ulimit -n 100 && exec timeout 60 "$BIN" server -p "$PORT" -q --processes 1 -w 1 --max-conns 50 \
	--json "$WORK/server.json" >"$WORK/server.out" 2>"$WORK/server.err") &
SERVER_PID=$!
PIDS+=("$SERVER_PID")
wait_listening "$PORT"
# --reconnect off: each of the 300 connects is shed once (reopening would
# shed the same slots again and again)
timeout 30 "$BIN" client "127.0.0.1:$PORT" -c 300 -T 4s -q --reconnect off --json "$WORK/client.json" >/dev/null 2>&1 || true
# CPU the server used over the run (utime + stime, clock ticks): idle at the
# limit means a few ticks, a spin means ~4 s x 100 ticks
pid=$(pgrep -f "^$BIN server -p $PORT" | head -1) # tcpswarm itself, not timeout
ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat")
kill -INT "$pid"
wait "$SERVER_PID" || true
cat "$WORK/server.out"
[ "$ticks" -lt 100 ] || fail "server used $ticks clock ticks of CPU over a 4 s run at its fd limit (spinning)"
S=$WORK/server.json
emfile=$(jq '.connections.errors.EMFILE // 0' "$S")
accepted=$(jq .connections.accepted "$S")
[ "$emfile" -gt 100 ] && [ "$emfile" -le 300 ] || fail "EMFILE counted $emfile times for 300 connections (accepted $accepted)"
[ $((emfile + accepted)) -eq 300 ] || fail "accepted $accepted + shed $emfile != 300"
jq -e '[.diagnosis[].limit] | index("descriptors") != null' "$S" >/dev/null || fail "diagnosis: $(jq -c .diagnosis "$S")"
echo "PASS server_emfile: accepted $accepted, shed $emfile (EMFILE), $ticks CPU ticks"

# Several workers in one process share one descriptor table: each keeps its
# own reserve (one /dev/null each after the burst, none lost to another
# worker for good), every worker keeps draining its accept queue at the
# limit, and once the burst is gone the server accepts and serves again.
PORT=$(free_port)
(ulimit -n 100 && exec timeout 60 "$BIN" server -p "$PORT" -q --processes 1 -w 4 --max-conns 50 \
	--json "$WORK/server4.json" >"$WORK/server4.out" 2>"$WORK/server4.err") &
SERVER_PID=$!
PIDS+=("$SERVER_PID")
wait_listening "$PORT"
pid=$(pgrep -f "^$BIN server -p $PORT" | head -1) # tcpswarm itself, not timeout
# descriptors on /dev/null: the 4 reserves, and whatever else the process holds there
nulls() { find "/proc/$pid/fd" -lname /dev/null 2>/dev/null | wc -l; }
before=$(nulls)
[ "$before" -ge 4 ] || fail "4 workers: $before descriptors on /dev/null, fewer than one reserve each"
timeout 30 "$BIN" client "127.0.0.1:$PORT" -c 300 -T 3s -q --reconnect off >/dev/null 2>&1 || true
sleep 0.5 # the sampling tick takes back a reserve lost in the burst
reserves=$(nulls)
[ "$reserves" -eq "$before" ] || fail "4 workers at EMFILE: $reserves descriptors on /dev/null after the burst, $before before (a reserve lost)"
timeout 30 "$BIN" client "127.0.0.1:$PORT" -c 40 -r 20 -T 2s -q --json "$WORK/client4.json" >/dev/null 2>&1 ||
	fail "after the burst the 4-worker server did not serve 40 connections: $(jq -c .connections "$WORK/client4.json" 2>/dev/null)"
est=$(jq .connections.established "$WORK/client4.json")
[ "$est" -eq 40 ] || fail "after the burst: $est of 40 connections established"
kill -INT "$pid"
wait "$SERVER_PID" || true
S4=$WORK/server4.json
acc4=$(jq .connections.accepted "$S4")
shed4=$(jq '.connections.errors.EMFILE // 0' "$S4")
[ $((acc4 + shed4)) -eq 340 ] || fail "4 workers: accepted $acc4 + shed $shed4 != 300 + 40"
echo "PASS server_emfile (4 workers): accepted $acc4, shed $shed4, reserves kept ($reserves on /dev/null before and after), recovered"
