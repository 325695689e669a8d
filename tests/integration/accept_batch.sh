# --accept-batch against the real client over loopback. A connect storm of
# silent connections is taken in batches (the server says how many), and
# none is left in the accept queue once the storm is over; with 0 nothing
# is batched; connections that send a request at once (connect, request,
# close churn) are never batched; a backlog too short for a batch turns
# batching off; the default, auto, scales the batch with the workers
# sharing a CPU.
source "$(dirname "$0")/lib.sh"
PORT=$(free_port)
S=$WORK/server.json

hold() { # ARGS...: 3,000 idle connections held 2 s
	local rc=0
	timeout 30 "$BIN" client "127.0.0.1:$PORT" -c 3000 -T 2s -q --close rst --json "$WORK/client.json" "$@" \
		>"$WORK/client.out" 2>&1 || rc=$?
	[ "$rc" -eq 0 ] || fail "client exited $rc: $(cat "$WORK/client.out")"
	json "$WORK/client.json" '.connections.established == 3000 and .connections.failed == 0' >/dev/null ||
		fail "client: $(jq -c .connections "$WORK/client.json")"
}
# the listener's Recv-Q is its accept queue: what waits for accept()
queued() { ss -Htln "sport = :$PORT" | awk '{ q += $2 } END { print q + 0 }'; }

# 1. a storm of silent connections: batched, and nothing stranded
start_server "$PORT" --processes 1 --json "$S"
hold &
H=$!
PIDS+=("$H")
for _ in $(seq 100); do
	[ "$(ss -Htn state established "( dport = :$PORT )" | wc -l)" -ge 3000 ] && break
	sleep 0.05
done
sleep 0.3 # ten batches and more after the last handshake
q=$(queued)
wait "$H"
stop_server
[ "$q" -eq 0 ] || fail "$q connections left in the accept queue after the storm"
json "$S" '.config.accept_batch_us == 5000 and .connections.accepted == 3000' >/dev/null ||
	fail "server: $(jq -c '[.config.accept_batch_us, .connections]' "$S")"
batched=$(jq .listener.accept_batched "$S")
[ "$batched" -gt 0 ] && [ "$batched" -le 3000 ] || fail "accept_batched $batched of 3000 in a silent storm"
grep -q "^accept batch   $batched of 3000 accepted in batches of 5 ms" "$WORK/server.out" ||
	fail "summary lacks the batch line: $(cat "$WORK/server.out")"

# 2. --accept-batch 0: every connection wakes the worker
start_server "$PORT" --processes 1 --accept-batch 0 --json "$S"
hold
stop_server
json "$S" '.config.accept_batch_us == 0 and .listener.accept_batched == 0 and .connections.accepted == 3000' \
	>/dev/null || fail "--accept-batch 0: $(jq -c '[.config.accept_batch_us, .listener]' "$S")"
! grep -q "^accept batch" "$WORK/server.out" || fail "--accept-batch 0 still prints a batch line"

# 3. connections that talk at once are never held back
start_server "$PORT" --processes 1 --json "$S"
rc=0
timeout 30 "$BIN" client "127.0.0.1:$PORT" -c 50 -r 2000 --conn-requests 1 -T 2s -q --close rst \
	--json "$WORK/churn.json" >"$WORK/churn.out" 2>&1 || rc=$?
[ "$rc" -eq 0 ] || fail "churn client exited $rc: $(cat "$WORK/churn.out")"
stop_server
accepted=$(jq .connections.accepted "$S")
[ "$accepted" -ge 1000 ] || fail "churn: only $accepted accepted"
json "$S" '.listener.accept_batched == 0' >/dev/null ||
	fail "churn with a request per connection was batched: $(jq -c .listener "$S") of $accepted"

# 4. an accept queue too short for a batch: no batching
start_server "$PORT" --processes 1 --backlog 128 --json "$S"
hold
stop_server
json "$S" '.listener.accept_batched == 0' >/dev/null ||
	fail "--backlog 128 was batched: $(jq -c .listener "$S")"

# 5. auto (the default) scales with the workers sharing a CPU: 5 ms each,
# at most 50 ms. The server is held to one CPU (taskset), so three
# single-worker processes give 15 ms on any machine, each worker sees a
# storm of 1,000, and the storm is still batched
cpu=$(python3 -c 'import os; print(min(os.sched_getaffinity(0)))')
timeout 120 taskset -c "$cpu" "$BIN" server -p "$PORT" -q --processes 3 -w 1 --json "$S" \
	>"$WORK/server.out" 2>"$WORK/server.err" &
SERVER_PID=$!
PIDS+=("$SERVER_PID")
wait_listening "$PORT"
hold
stop_server
json "$S" '.config.accept_batch_us == 15000 and .connections.accepted == 3000 and .listener.accept_batched > 0' \
	>/dev/null || fail "auto, 3 workers on one CPU: $(jq -c '[.config.accept_batch_us, .listener]' "$S"), want 15000 us"
grep -q "in batches of 15 ms" "$WORK/server.out" || fail "auto: the summary says $(grep '^accept batch' "$WORK/server.out")"
echo "PASS accept_batch: $batched of 3000 silent connections batched, none stranded; churn of $accepted and backlog 128 unbatched"
