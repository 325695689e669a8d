# tcpswarm client --proto http against servers it did not write, with no
# --length (no ?length= asked, any body read by its framing): Python's
# http.server (HTTP/1.0: it closes after each answer) and a stock nginx
# serving a static file, through URL targets (path and Host from the URL).
# Every answer 2xx, no wrong length, nothing lost; then HEAD and POST with a
# body against tcpswarm's own server.
source "$(dirname "$0")/peer_lib.sh"
command -v python3 >/dev/null || peer_install python3
mkdir -p "$WORK/www"
head -c 3000 /dev/zero | tr '\0' 'y' >"$WORK/www/file.txt"

# --- python3 -m http.server: one answer per connection (HTTP/1.0) -----------
# The server closes each connection after its answer; the client reopens it
# (hold N), so 10 connections at 100/s for 3 s ask ~300 times over ~300
# connections. Every answer is followed by a reopen (except the last of each
# slot), and requests due while a slot was reconnecting are counted as not
# sent, never as lost.
PORT=$(free_port)
timeout 120 python3 -m http.server --bind 127.0.0.1 "$PORT" --directory "$WORK/www" >"$WORK/py.log" 2>&1 &
PY_PID=$!
PIDS+=("$PY_PID")
wait_peer python-http "$PY_PID" "$PORT" "$WORK/py.log"
rc=0
timeout 30 "$BIN" client "http://127.0.0.1:$PORT/file.txt" -c 10 -r 100 -T 3s -q --json "$WORK/py.json" \
	>"$WORK/py.out" 2>"$WORK/py.err" || rc=$?
cat "$WORK/py.out"
[ "$rc" -eq 0 ] || fail "python run: client exited $rc: $(cat "$WORK/py.err")"
j=$WORK/py.json
json "$j" '.config.proto == "http" and .config.path == "/file.txt" and (.config | has("length_min") | not)' >/dev/null ||
	fail "python run: config: $(jq -c .config "$j")"
json "$j" '.requests.answered >= 150 and .requests.answered == .requests.sent and .requests.lost == 0 and .requests.errors == 0 and
	.requests.bad_length == 0 and .requests.by_status["2xx"] == .requests.answered' >/dev/null ||
	fail "python run: $(jq -c .requests "$j")"
# every answer carried the whole file: at least 3000 body bytes each
json "$j" '.requests.bytes_in >= 3000 * .requests.answered' >/dev/null || fail "python run: short bodies: $(jq -c .requests "$j")"
# HTTP/1.0: the server closed each connection after its answer
json "$j" '.connections.closed_by.peer_closed >= .requests.answered - 10 and
	.connections.reopened >= .requests.answered - 10 and .connections.peak_open <= 10' >/dev/null ||
	fail "python run: not one answer per connection, or not reopened: $(jq -c .connections "$j")"
logged=$(grep -c '"GET /file.txt HTTP/1.1" 200' "$WORK/py.log" || true)
[ "$logged" -eq "$(jq .requests.answered "$j")" ] || fail "python logged $logged GETs, the client counted $(jq .requests.answered "$j")"
stop_peer python-http "$PY_PID"
echo "ok: python http.server: $logged answered, 0 wrong lengths"

# --- nginx, a static file, no --length -------------------------------------
peer_install_any nginx nginx-light nginx
NPORT=$(free_port)
start_nginx "$NPORT" 1
# the suite's nginx serves /len/$arg_length: the URL's own query picks a 3000-byte file
cp "$WORK/www/file.txt" "$WORK/www/len/1"
rc=0
timeout 30 "$BIN" client "http://localhost:$NPORT/?length=1" -c 10 -r 1k -T 2s -q --json "$WORK/ng.json" \
	>/dev/null 2>"$WORK/ng.err" || rc=$?
[ "$rc" -eq 0 ] || fail "nginx run: client exited $rc: $(cat "$WORK/ng.err")"
json "$WORK/ng.json" '.requests.answered > 1000 and .requests.answered == .requests.sent and .requests.errors == 0 and
	.requests.bad_length == 0 and .requests.by_status["2xx"] == .requests.answered and
	.requests.bytes_in >= 3000 * .requests.answered' >/dev/null || fail "nginx run: $(jq -c .requests "$WORK/ng.json")"
echo "ok: nginx static file: $(jq .requests.answered "$WORK/ng.json") answered, 0 bad lengths"

# --- HEAD and POST --body against tcpswarm's own server ----------------------
SPORT=$(free_port)
start_server "$SPORT" -m http -w 1 --processes 1
for m in "--method HEAD" "--method POST --body hello" "--method PUT --body @$WORK/www/file.txt"; do
	rc=0
	# shellcheck disable=SC2086
	timeout 30 "$BIN" client --proto http "127.0.0.1:$SPORT" $m --length 10-20 -c 5 -r 500 -T 2s -q \
		--json "$WORK/m.json" >/dev/null 2>"$WORK/m.err" || rc=$?
	[ "$rc" -eq 0 ] || fail "$m: client exited $rc: $(cat "$WORK/m.err")"
	json "$WORK/m.json" '.requests.answered > 500 and .requests.answered == .requests.sent and .requests.errors == 0 and
		.requests.bad_length == 0 and .requests.by_status["2xx"] == .requests.answered' >/dev/null ||
		fail "$m: $(jq -c .requests "$WORK/m.json")"
done
json "$WORK/m.json" '.config.method == "PUT" and .config.body_bytes == 3000' >/dev/null || fail "PUT config: $(jq -c .config "$WORK/m.json")"
echo "PASS peer_python_http"
