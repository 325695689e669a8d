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
pid=$(pgrep -f "server -p $PORT" | head -1)
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
