# Killed peers (issue 13), the cases target_gone (server killed: client JSON
# whole, exit 1), child_killed (a client worker killed) and sigint_fanout
# (SIGINT in steady state) leave out:
# 1. the client SIGKILLed while it holds 300 connections: the server's open
#    count returns to 0 and its descriptor count (/proc/PID/fd) to what it
#    was before the client came, within 10 s;
# 2. SIGINT while the client is still connecting (--connect-rate 100 for
#    -c 400): a complete JSON marked interrupted with fewer than 400
#    established, the summary says interrupted, exit 0.
source "$(dirname "$0")/lib.sh"
PORT=$(free_port)
start_server "$PORT" --processes 1 -w 1 --max-conns 1k --json "$WORK/server.json"
SRV=$(pgrep -P "$SERVER_PID" -x tcpswarm | head -1)
[ -n "$SRV" ] || fail "no server process under $SERVER_PID"
fds() { find "/proc/$SRV/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
open_conns() { ss -Htan state established "sport = :$PORT" | wc -l; }
base=$(fds)

timeout 60 "$BIN" client "127.0.0.1:$PORT" -c 300 -w 1 --processes 1 -T 30s -q >"$WORK/c1.out" 2>&1 &
C1=$!
PIDS+=("$C1")
for _ in $(seq 1 100); do
	[ "$(open_conns)" -ge 300 ] && break
	sleep 0.1
done
[ "$(open_conns)" -ge 300 ] || fail "the client did not open 300 connections: $(open_conns)"
held=$(fds)
[ "$held" -ge $((base + 300)) ] || fail "server holds $held descriptors with 300 connections open (baseline $base)"
C1_REAL=$(pgrep -P "$C1" -x tcpswarm | head -1)
kill -KILL "${C1_REAL:-$C1}"
wait "$C1" 2>/dev/null || true
now=$held
for _ in $(seq 1 100); do
	now=$(fds)
	[ "$now" -le "$base" ] && [ "$(open_conns)" -eq 0 ] && break
	sleep 0.1
done
[ "$now" -le "$base" ] || fail "server descriptors $now, baseline $base, 10 s after the client was killed"
[ "$(open_conns)" -eq 0 ] || fail "$(open_conns) server connections still established after the client was killed"

timeout 60 "$BIN" client "127.0.0.1:$PORT" -c 400 --connect-rate 100 -w 1 --processes 1 -T 30s -q \
	--json "$WORK/c2.json" >"$WORK/c2.out" 2>&1 &
C2=$!
PIDS+=("$C2")
sleep 1.5
C2_REAL=$(pgrep -P "$C2" -x tcpswarm | head -1)
kill -INT "${C2_REAL:-$C2}"
rc=0
wait "$C2" || rc=$?
cat "$WORK/c2.out"
[ "$rc" -eq 0 ] || fail "client exited $rc after SIGINT while connecting"
grep -q "(interrupted)" "$WORK/c2.out" || fail "summary does not say interrupted"
J=$WORK/c2.json
jq -e '.interrupted == true' "$J" >/dev/null || fail "JSON not marked interrupted: $(head -c 300 "$J")"
est=$(jq .connections.established "$J")
[ "$est" -gt 0 ] && [ "$est" -lt 400 ] || fail "established $est: SIGINT did not land while connecting (want 1-399)"
stop_server
jq -e --argjson n $((300 + est)) '.connections.accepted >= $n and .connections.accepted == .connections.closed' \
	"$WORK/server.json" >/dev/null ||
	fail "server accepted $(jq .connections.accepted "$WORK/server.json"), closed $(jq .connections.closed "$WORK/server.json")"
echo "PASS peer_killed: server back to $base descriptors after a SIGKILLed client; SIGINT while connecting ($est of 400) gives an interrupted JSON"
