# Accept-queue overflow, provoked for real: a server with --backlog 8 that
# does not accept for 2 s, and a client opening 2,000 connections fast.
# ListenOverflows moves, both diagnoses name the accept queue with the
# effective backlog, and the listener's queue peak is reported.
source "$(dirname "$0")/lib.sh"
PORT=$(free_port)
start_server "$PORT" --backlog 8 --accept-pause 2s --processes 1 -w 1 --json "$WORK/server.json"
rc=0
timeout 30 "$BIN" client "127.0.0.1:$PORT" -c 2000 --connect-timeout 1500ms -T 4s -q \
	--json "$WORK/client.json" >"$WORK/summary" 2>&1 || rc=$?
cat "$WORK/summary"
[ "$rc" -eq 0 ] || fail "client exited $rc"
stop_server
cat "$WORK/server.out"
jq -e '.kernel.deltas.ListenOverflows > 0' "$WORK/client.json" >/dev/null ||
	fail "ListenOverflows did not move: $(jq -c .kernel.deltas "$WORK/client.json")"
jq -e '[.diagnosis[].limit] | index("accept_queue") != null' "$WORK/client.json" >/dev/null ||
	fail "client diagnosis lacks accept_queue: $(jq -c '[.diagnosis[].limit]' "$WORK/client.json")"
S=$WORK/server.json
jq -e '.listener.backlog_effective == 8 and .listener.accept_queue_peak >= 8' "$S" >/dev/null ||
	fail "listener block: $(jq -c .listener "$S")"
jq -e '.diagnosis[0].limit == "accept_queue" and (.diagnosis[0].evidence | test("peaked at [0-9]+ of 8"))' "$S" \
	>/dev/null || fail "server diagnosis: $(jq -c .diagnosis "$S")"
grep -q "accept_queue" "$WORK/server.out" || fail "server summary does not name accept_queue"
echo "PASS accept_overflow: $(jq .kernel.deltas.ListenOverflows "$WORK/client.json") overflows, queue peak $(jq .listener.accept_queue_peak "$S")"
