# No descriptor leak, checked by valgrind --track-fds=yes on a build without
# sanitizers (valgrind cannot run an ASan binary; tools/test.sh builds one):
# at exit, every open descriptor must be one valgrind says was inherited
# from the parent (or its own log). Runs: a server that accepted churning
# connections and ended by SIGINT; a client whose connections the peer closed
# and that reopened them (--conn-requests); a client refused by a closed port.
source "$(dirname "$0")/lib.sh"
command -v valgrind >/dev/null || fail "valgrind is not installed (tools/deps.sh valgrind)"

# leaked LOG: the descriptors open at exit that this process opened itself
leaked() {
	# "Open file descriptor N: PATH", "Open AF_INET socket N: A <-> B", ...
	# then a stack (opened here) or "<inherited from parent>"
	awk '/== Open / { fd = $0; getline; if ($0 !~ /inherited from parent/) print fd }' "$1" || true
}
check() {
	local log=$1 what=$2
	grep -q "FILE DESCRIPTORS:" "$log" || fail "$what: valgrind printed no descriptor table: $(tail -5 "$log")"
	local bad
	bad=$(leaked "$log")
	[ -z "$bad" ] || fail "$what leaked descriptors: $bad $(grep -A4 'Open .*descriptor' "$log" | head -30)"
	echo "$what: $(grep -o 'FILE DESCRIPTORS: [0-9]* open ([0-9]* std)' "$log"), all inherited"
}
# the filter must see a leak: a shell that opens a file and a socket and exits
HP=$(free_port)
python3 -m http.server "$HP" --bind 127.0.0.1 >/dev/null 2>&1 &
PIDS+=($!)
wait_listening "$HP"
valgrind -q --track-fds=yes --log-file="$WORK/leak.vg" bash -c "exec 7<>/dev/tcp/127.0.0.1/$HP; exec 8</etc/hostname; true"
[ "$(leaked "$WORK/leak.vg" | wc -l)" -eq 2 ] || fail "the filter missed a planted leak: $(leaked "$WORK/leak.vg")"
kill "${PIDS[-1]}"
VG=(valgrind -q --track-fds=yes --error-exitcode=97)

PORT=$(free_port)
timeout 120 "${VG[@]}" --log-file="$WORK/server.vg" "$BIN" server -p "$PORT" --processes 1 -w 2 -q \
	>"$WORK/server.out" 2>"$WORK/server.err" &
SERVER_PID=$!
PIDS+=("$SERVER_PID")
wait_listening "$PORT"

rc=0
timeout 60 "${VG[@]}" --log-file="$WORK/client.vg" "$BIN" client "127.0.0.1:$PORT" -c 5 -r 200 -T 2s \
	--conn-requests 4 --processes 1 -w 2 -q --json "$WORK/client.json" >"$WORK/client.out" 2>&1 || rc=$?
[ "$rc" -eq 0 ] || fail "client under valgrind exited $rc: $(tail -5 "$WORK/client.out") $(tail -5 "$WORK/client.vg")"
json "$WORK/client.json" '.connections.reopened > 10' >/dev/null ||
	fail "the client did not churn: $(jq -c .connections "$WORK/client.json")"
check "$WORK/client.vg" "client (churning, $(jq .connections.reopened "$WORK/client.json") reopens)"

stop_server
check "$WORK/server.vg" "server (SIGINT after churn)"

rc=0
timeout 60 "${VG[@]}" --log-file="$WORK/refused.vg" "$BIN" client "127.0.0.1:$(free_port)" -c 3 -r 10 -T 1s \
	--processes 1 -q >"$WORK/refused.out" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "refused client under valgrind exited $rc, want 1: $(tail -5 "$WORK/refused.out")"
check "$WORK/refused.vg" "client (refused, retrying)"
echo "PASS valgrind_fds"
