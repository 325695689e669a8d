# tools/plot (issue 16): a real short loopback run's --json (client, with a
# rate schedule, and the server's) becomes a PNG (magic bytes, over 5 KB);
# so do a --conn-schedule run (its intended connections drawn) and a real
# small --find max-conns run (the knee drawn, one point a step); a missing,
# malformed or foreign JSON exits 2 naming the file.
source "$(dirname "$0")/peer_lib.sh"
peer_install_any gnuplot gnuplot-nox
PLOT="$ROOT/tools/plot"
PORT=$(free_port)
start_server "$PORT" --json "$WORK/server.json"

timeout 60 "$BIN" client "127.0.0.1:$PORT" -c 10 -T 3s --rate-schedule 0s:100,3s:400 -q \
	--json "$WORK/run.json" >/dev/null 2>"$WORK/client.err" || fail "client failed: $(cat "$WORK/client.err")"
stop_server
PORT2=$(free_port)
start_server "$PORT2"
PORT3=$(free_port)
(ulimit -n 60 && exec timeout 150 "$BIN" server -p "$PORT3" -q --processes 1 -w 1 --max-conns 10) >/dev/null 2>&1 &
SERVER3=$!
PIDS+=("$SERVER3")
wait_listening "$PORT3"

# png FILE: the PNG signature and a picture's size (an empty plot is ~2 KB)
png() {
	[ -s "$1" ] || fail "$1 not written"
	[ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] || fail "$1 is not a PNG"
	local size
	size=$(stat -c %s "$1")
	[ "$size" -gt 5120 ] || fail "$1 is only $size bytes"
	echo "$1: PNG, $size bytes"
}

"$PLOT" "$WORK/run.json" -o "$WORK/run.png" >"$WORK/plot.out" 2>&1 || fail "plot failed: $(cat "$WORK/plot.out")"
png "$WORK/run.png"
grep -q "panels, 3 seconds" "$WORK/plot.out" || fail "plot did not draw the 3 seconds: $(cat "$WORK/plot.out")"
# without -o: RUN.png beside RUN.json
"$PLOT" "$WORK/server.json" >"$WORK/plot.out" 2>&1 || fail "server plot failed: $(cat "$WORK/plot.out")"
png "$WORK/server.png"

# --conn-schedule: the intended connections beside the open ones
timeout 60 "$BIN" client "127.0.0.1:$PORT2" --conn-schedule 0s:0,2s:40,3s:10 -q \
	--json "$WORK/conns.json" >/dev/null 2>"$WORK/client.err" || fail "conn schedule client failed: $(cat "$WORK/client.err")"
"$PLOT" "$WORK/conns.json" -o "$WORK/conns.png" >"$WORK/plot.out" 2>&1 || fail "conns plot failed: $(cat "$WORK/plot.out")"
png "$WORK/conns.png"
grep -q "connections intended" "$WORK/plot.out" || fail "conns_intended not drawn: $(cat "$WORK/plot.out")"

# a real --find max-conns against a server under RLIMIT_NOFILE 60: the knee
rc=0
timeout 120 "$BIN" client "127.0.0.1:$PORT3" -c 20 --find max-conns --connect-rate 1000 --step 1s \
	--json "$WORK/find.json" >"$WORK/find.out" 2>"$WORK/find.err" || rc=$?
[ -s "$WORK/find.json" ] || fail "find wrote no --json (exit $rc): $(cat "$WORK/find.err")"
steps=$(jq .find.steps_taken "$WORK/find.json")
"$PLOT" "$WORK/find.json" -o "$WORK/find.png" >"$WORK/plot.out" 2>&1 || fail "find plot failed: $(cat "$WORK/plot.out")"
png "$WORK/find.png"
grep -q "knee of $steps steps" "$WORK/plot.out" || fail "the knee of $steps steps not drawn: $(cat "$WORK/plot.out")"
kill -INT "$SERVER3" 2>/dev/null || true

# bad input: exit 2, the file named, no PNG left
bad() {
	local what=$1 file=$2 rc=0
	"$PLOT" "$file" -o "$WORK/bad.png" 2>"$WORK/bad.err" || rc=$?
	[ "$rc" -eq 2 ] || fail "$what: exit $rc, not 2: $(cat "$WORK/bad.err")"
	grep -qF "$file" "$WORK/bad.err" || fail "$what: the message does not name $file: $(cat "$WORK/bad.err")"
	[ ! -e "$WORK/bad.png" ] || fail "$what: a PNG was written"
	echo "$what: exit 2: $(cat "$WORK/bad.err")"
}
bad "missing file" "$WORK/nothing.json"
head -c 300 "$WORK/run.json" >"$WORK/cut.json"
bad "truncated JSON" "$WORK/cut.json"
echo '{"tool": "other", "series": [{"t": 1}]}' >"$WORK/foreign.json"
bad "not a tcpswarm report" "$WORK/foreign.json"
jq '.series = []' "$WORK/run.json" >"$WORK/empty.json"
bad "empty series" "$WORK/empty.json"
rc=0
"$PLOT" 2>"$WORK/bad.err" || rc=$?
[ "$rc" -eq 2 ] || fail "no argument: exit $rc, not 2"
echo "PASS plot"
