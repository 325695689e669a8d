# Three --shard I/3 clients over loopback with one --start-at, merged: the
# shards hold the sum of connections, the merged JSON equals what the
# server counted (accepted, bytes), and a missing shard is refused (exit 2).
source "$(dirname "$0")/lib.sh"
PORT=$(free_port)
start_server "$PORT" --json "$WORK/server.json"
at=$(($(date +%s) + 2))
cpids=()
for i in 1 2 3; do
	timeout 30 "$BIN" client "127.0.0.1:$PORT" -c 100 -r 3k -T 2s -q -w 1 --shard "$i/3" --start-at "$at" \
		--json "$WORK/c$i.json" >"$WORK/c$i.out" 2>"$WORK/c$i.err" &
	cpids+=($!)
	PIDS+=($!)
done
for i in 0 1 2; do
	wait "${cpids[$i]}" || fail "shard $((i + 1)) exited $?: $(cat "$WORK/c$((i + 1)).err")"
done
stop_server
for i in 1 2 3; do
	json "$WORK/c$i.json" ".config.shard.index == $i and .config.shard.total_connections == 100" >/dev/null ||
		fail "shard $i config: $(jq -c .config.shard "$WORK/c$i.json")"
done
conns=$(jq -s 'map(.config.connections) | join(",")' "$WORK"/c[123].json)
[ "$conns" = '"34,33,33"' ] || fail "shards hold $conns connections, wanted 34,33,33"
rc=0
"$BIN" merge "$WORK"/c3.json "$WORK"/c1.json "$WORK"/c2.json -o "$WORK/total.json" --text >"$WORK/text" || rc=$?
[ "$rc" -eq 0 ] || fail "merge exited $rc"
T=$WORK/total.json S=$WORK/server.json
json "$T" '.connections.established == 100 and .config.connections == 100 and (.merged_from | length) == 3' \
	>/dev/null || fail "merged connections: $(jq -c '.connections|del(.connect_latency_us)' "$T")"
acc=$(jq .connections.accepted "$S")
[ "$acc" -eq 100 ] || fail "server accepted $acc"
for k in bytes_in bytes_out; do
	other=$([ $k = bytes_in ] && echo bytes_out || echo bytes_in)
	[ "$(jq .requests.$k "$T")" -eq "$(jq .requests.$other "$S")" ] || fail "merged $k != server's $other"
done
json "$T" '.latency_us.count == .requests.answered and .latency_us.p99 >= .latency_us.p50' >/dev/null ||
	fail "merged latency block inconsistent"
grep -q "established 100" "$WORK/text" || fail "--text summary lacks 'established 100'"
rc=0
"$BIN" merge "$WORK"/c1.json "$WORK"/c2.json >/dev/null 2>"$WORK/merge.err" || rc=$?
[ "$rc" -eq 2 ] && grep -q "shard 3/3 is missing" "$WORK/merge.err" || fail "incomplete set: rc $rc, $(cat "$WORK/merge.err")"
rc=0
"$BIN" merge "$WORK"/c1.json "$S" >/dev/null 2>"$WORK/merge.err" || rc=$?
[ "$rc" -eq 2 ] && grep -q "server report" "$WORK/merge.err" || fail "client with server JSON: rc $rc, $(cat "$WORK/merge.err")"

# Server reports merge among themselves: a second server on another port
# takes 20 connections; merged, the peers are 127.0.0.1 on each port with
# that server's accepted, and the rows plus peers_other add up to the total.
PORT2=$(free_port)
start_server "$PORT2" --json "$WORK/server2.json"
timeout 30 "$BIN" client "127.0.0.1:$PORT2" -c 20 -r 200 -T 1s -q -w 1 >"$WORK/c4.out" 2>"$WORK/c4.err" ||
	fail "client of the second server exited $?: $(cat "$WORK/c4.err")"
stop_server
rc=0
"$BIN" merge "$S" "$WORK/server2.json" -o "$WORK/servers.json" --text >"$WORK/stext" || rc=$?
[ "$rc" -eq 0 ] || fail "merging two server reports exited $rc"
M=$WORK/servers.json
jq -e --argjson p1 "$PORT" --argjson p2 "$PORT2" '.role == "server" and .connections.accepted == 120 and
	([.peers[] | select(.addr == "127.0.0.1")] | map({(.port | tostring): .accepted}) | add) ==
		{($p1 | tostring): 100, ($p2 | tostring): 20} and
	([.peers[].accepted] | add) + .peers_other.accepted == .connections.accepted and
	(.nodes | length) == 2' "$M" >/dev/null ||
	fail "merged servers: $(jq -c '{accepted: .connections.accepted, peers, peers_other}' "$M")"
grep -q "^peers          1 source address, 2 address:port pairs" "$WORK/stext" || fail "merge --text of servers: $(cat "$WORK/stext")"
echo "PASS merge_shards: 3 shards, 100 connections, merged = server's count; two servers' peers merged"
