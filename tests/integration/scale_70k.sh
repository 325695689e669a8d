# One client command holds 70,000 connections to ONE server address and port
# for 5 s: past the per-process fd limit (20,000 here) and the per-tuple port
# budget (28,232), so both sides fan out over processes and the client picks
# loopback source IPs. The server's count and the kernel's agree; no errors.
source "$(dirname "$0")/lib.sh"
PORT=$(free_port)
start_server "$PORT" --max-conns 80k --json "$WORK/server.json"
N=70000
timeout 60 "$BIN" client "127.0.0.1:$PORT" -c $N -T 12s --json "$WORK/client.json" \
	--expect-connections $N --max-error-rate 0 >"$WORK/summary" 2>"$WORK/client.err" &
CLIENT=$!
PIDS+=("$CLIENT")
# wait until every connection is up, then hold and count with the kernel
for _ in $(seq 1 100); do
	est=$(ss -Htn state established "( sport = :$PORT )" | wc -l)
	[ "$est" -ge $N ] && break
	sleep 0.1
done
[ "$est" -ge $N ] || fail "only $est connections established after 10 s"
sleep 5
est=$(ss -Htn state established "( sport = :$PORT )" | wc -l)
[ "$est" -eq $N ] || fail "kernel holds $est established server-side sockets after 5 s, expected $N"
rc=0
wait "$CLIENT" || rc=$?
cat "$WORK/client.err" "$WORK/summary"
[ "$rc" -eq 0 ] || fail "client exited $rc"
grep -q "worker processes" "$WORK/client.err" || fail "client did not say it fans out over processes"
grep -q "using source IPs 127.0.0.2-" "$WORK/client.err" || fail "client did not say which source IPs it picked"
stop_server
jq -e ".connections.established == $N and .connections.failed == 0 and .processes > 1" "$WORK/client.json" \
	>/dev/null || fail "client: $(jq -c '{processes,connections}' "$WORK/client.json")"
jq -e ".connections.accepted == $N and .connections.peak_open == $N and .processes > 1" "$WORK/server.json" \
	>/dev/null || fail "server: $(jq -c '{processes,connections}' "$WORK/server.json")"
jq -e '.memory.user_bytes_per_conn > 0 and .memory.user_bytes_per_conn <= 64' "$WORK/server.json" >/dev/null ||
	fail "server user memory per connection: $(jq .memory "$WORK/server.json")"
echo "PASS scale_70k: $N held for 5 s, kernel count $est"
