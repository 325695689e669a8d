# A hostile user (issue 13): SIGTERM early (0.3 s in: in startup, before
# run_main held it, it killed the client with no report), SIGINT/SIGTERM
# while connecting and in steady state, each with --json, --csv and
# --hdr-log: every run ends within a few seconds with a complete JSON marked
# interrupted, the series renamed into place (no .partial left), and the
# server's descriptors back to baseline. Then report paths that cannot be
# written (a directory, /proc/x, a missing directory) are refused with exit
# 2 naming the option, before any connection is made.
source "$(dirname "$0")/lib.sh"
PORT=$(free_port)
start_server "$PORT" --processes 1 -w 1 --json "$WORK/server.json"
fds() { find "/proc/$SERVER_PID/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
base=$(fds)
n=0
for c in "TERM 0.3" "INT 0.6" "TERM 1.2" "INT 2.5"; do
	set -- $c
	n=$((n + 1))
	out=$WORK/run$n
	"$BIN" client "127.0.0.1:$PORT" -q -c 300 --connect-rate 200 -r 500 -w 1 --processes 1 -T 20s \
		--json "$out.json" --csv "$out.csv" --hdr-log "$out.hdr" >"$out.out" 2>"$out.err" &
	CP=$!
	PIDS+=("$CP")
	sleep "$2"
	kill "-$1" "$CP"
	SECONDS=0
	rc=0
	wait "$CP" || rc=$?
	[ "$SECONDS" -le 5 ] || fail "SIG$1 at $2 s: the client took $SECONDS s to end"
	[ "$rc" -lt 128 ] || fail "SIG$1 at $2 s: the client died of the signal (exit $rc), no report: $(tail -3 "$out.err")"
	jq -e '.interrupted == true and (.requests | type) == "object"' "$out.json" >/dev/null ||
		fail "SIG$1 at $2 s: JSON not complete and marked interrupted: $(head -c 200 "$out.json" 2>&1)"
	[ -s "$out.csv" ] && [ -s "$out.hdr" ] || fail "SIG$1 at $2 s: --csv/--hdr-log not renamed into place"
	! ls "$WORK" | grep -q partial || fail "SIG$1 at $2 s: a .partial file was left: $(ls "$WORK")"
	! grep -Ei "sanitizer|runtime error" "$out.err" || fail "SIG$1 at $2 s: sanitizer report above"
	echo "SIG$1 at $2 s: exit $rc, interrupted JSON, established $(jq .connections.established "$out.json")"
done
now=$base
for _ in $(seq 1 50); do
	now=$(fds)
	[ "$now" -le "$base" ] && break
	sleep 0.1
done
[ "$now" -le "$base" ] || fail "server holds $now descriptors after the clients ended (baseline $base)"

mkdir "$WORK/adir"
for opt in --json --csv --hdr-log; do
	for path in "$WORK/adir" /proc/x "$WORK/missing/dir/file"; do
		rc=0
		timeout 20 "$BIN" client "127.0.0.1:$PORT" -q -c 5 -T 2s "$opt" "$path" >"$WORK/bad.out" 2>&1 || rc=$?
		[ "$rc" -eq 2 ] || fail "$opt $path: exit $rc, want 2: $(cat "$WORK/bad.out")"
		grep -q -- "option $opt" "$WORK/bad.out" || fail "$opt $path: message does not name the option: $(cat "$WORK/bad.out")"
	done
done
stop_server
accepted=$(jq .connections.accepted "$WORK/server.json")
before=$(jq -s 'map(.connections.established) | add' "$WORK"/run*.json)
[ "$accepted" -eq "$before" ] || fail "server accepted $accepted, the interrupted runs established $before: a refused path still connected"
echo "PASS hostile_signals: early, connect and steady-state signals give interrupted reports; unwritable report paths refused before the load"
