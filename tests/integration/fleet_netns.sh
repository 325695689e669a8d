# tools/fleet.sh on a netns lab made here: one server namespace and three
# client namespaces, each joined by a veth pair to a bridge in a fifth
# namespace (10.77.0.0/24 exists inside these namespaces only). pdsh's exec
# module drives them as hosts (`pdsh -R exec -w c1,c2,c3 ip netns exec %h
# ...`). The three shards hold the sum of connections, the merged JSON equals
# what the server counted (accepted == established, bytes both ways), the
# server saw the three clients' own addresses, and the trap deletes every
# namespace it made (their links go with them), also on failure.
# Skips (exit 0) only when not root or `ip netns` cannot be used here.
source "$(dirname "$0")/peer_lib.sh"
P=tswf$$ # every namespace this test makes starts with this
SRV=$P-srv BR=$P-br CLIS=("$P-c1" "$P-c2" "$P-c3")
N=300
PORT=7000

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: fleet_netns needs root (network namespaces)"
	exit 0
fi
if ! err=$(ip netns add "$P-probe" 2>&1); then
	echo "SKIP: 'ip netns add' does not work here: $err"
	exit 0
fi
ip netns del "$P-probe"
peer_install pdsh
command -v pdsh >/dev/null || fail "pdsh not on PATH after install"

MADE=()
teardown() {
	local rc=$? ns
	cleanup # lib.sh: the processes started here, by PID; WORK
	for ns in "${MADE[@]:-}"; do
		[ -n "$ns" ] && ip netns del "$ns" 2>/dev/null || true
	done
	exit "$rc"
}
trap teardown EXIT

# host NAME ADDR: a namespace with eth0 (ADDR/24) on the bridge's port NAME.
ip netns add "$BR"
MADE+=("$BR")
ip -n "$BR" link add br0 type bridge
ip -n "$BR" link set br0 up
ip -n "$BR" link set lo up
host() {
	local ns=$1 addr=$2 port
	port=p${ns##*-}
	ip netns add "$ns"
	MADE+=("$ns")
	# both ends are born inside their namespaces: no name in the host's
	ip link add eth0 netns "$ns" type veth peer name "$port" netns "$BR"
	ip -n "$BR" link set "$port" master br0 up
	ip -n "$ns" link set lo up
	ip -n "$ns" addr add "$addr/24" dev eth0
	ip -n "$ns" link set eth0 up
}
host "$SRV" 10.77.0.1
for k in 1 2 3; do host "${CLIS[$((k - 1))]}" "10.77.0.1$k"; done
FLEET=$ROOT/tools/fleet.sh
rc=0
timeout 90 "$FLEET" -R exec -x 'ip netns exec %h' -b "$BIN" -w "$(IFS=,; echo "${CLIS[*]}")" -S "$SRV" \
	-t 10.77.0.1:$PORT -p $PORT -A '--processes 1' -s 2 -d "$WORK/out" \
	-- -c $N -r 3k -T 2s -w 1 >"$WORK/fleet.out" 2>"$WORK/fleet.err" || rc=$?
[ "$rc" -eq 0 ] || fail "fleet.sh exited $rc: $(tail -n 20 "$WORK/fleet.err")"
O=$WORK/out
for k in 1 2 3; do
	json "$O/c$k.json" ".config.shard.index == $k and .config.shard.count == 3 and
		.config.shard.total_connections == $N" >/dev/null ||
		fail "shard $k report: $(jq -c .config.shard "$O/c$k.json")"
done
sum=$(jq -s 'map(.config.connections) | add' "$O"/c[123].json)
[ "$sum" -eq $N ] || fail "the shards hold $sum connections, wanted $N"
T=$O/total.json S=$O/server.json
json "$T" ".connections.established == $N and (.merged_from | length) == 3" >/dev/null ||
	fail "merged: $(jq -c '.connections|del(.connect_latency_us)' "$T")"
acc=$(jq .connections.accepted "$S")
[ "$acc" -eq "$(jq .connections.established "$T")" ] || fail "server accepted $acc, merged established $(jq .connections.established "$T")"
for k in bytes_in bytes_out; do
	other=$([ $k = bytes_in ] && echo bytes_out || echo bytes_in)
	c=$(jq .requests.$k "$T") s=$(jq .requests.$other "$S")
	[ "$c" -gt 0 ] && [ "$c" -eq "$s" ] || fail "merged $k $c != server's $other $s"
done
grep -q "established $N" "$WORK/fleet.out" || fail "merge --text summary lacks 'established $N': $(cat "$WORK/fleet.out")"
json "$T" '.requests.answered > 0 and .latency_us.count == .requests.answered' >/dev/null ||
	fail "merged requests: $(jq -c .requests "$T")"

# tear down now and prove nothing of ours is left
for ns in "${MADE[@]}"; do ip netns del "$ns"; done
MADE=()
left=$(ip netns list | awk '{ print $1 }' | grep -c "^$P-" || true)
[ "$left" -eq 0 ] || fail "$left namespaces named $P-* are left"
! ip -o link show | grep -qE ' (p(srv|c[123])|br0)@' || fail "a link of the lab is in the host's namespace"
echo "PASS fleet_netns: 3 shards through pdsh -R exec held $N connections; merged = server's count" \
	"(accepted $acc, $(jq .requests.bytes_out "$T") bytes out); lab removed"
