# Clients behind one address (tools/netns-lab.sh nat-up): K=3 client
# namespaces masqueraded by a router namespace towards the server's.
#  1. The server's JSON shows one source address (the router's) holding
#     every connection of the three clients.
#  2. The router's masquerade narrowed to 40 ports (its ip_local_port_range,
#     which the lab maps onto --to-ports) and 72 connections to one server
#     port: only 40 fit, the rest time out, and the server's diagnosis says
#     behind_one_address (the server namespace gets the same 40-port range:
#     the server judges by its own host's range, it cannot see the NAT's).
#  3. The same 72 over -p 7000-7003 (client HOST:7000-7003): all fit.
# A full conntrack table on the router is nat_conntrack.sh.
# Every namespace is the test's own, deleted on exit. Skips when not root.
source "$(dirname "$0")/lib.sh"
export TSW_LAB_PREFIX=tswn$$
source "$(dirname "$0")/nat_lib.sh"
K=3
PER=24 # connections per client: 72 in all

if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null || ! command -v iptables >/dev/null; then
	echo "SKIP: nat_netns needs root, ip and iptables"
	exit 0
fi
if ! err=$(ip netns add "$TSW_LAB_PREFIX-probe" 2>&1); then
	echo "SKIP: 'ip netns add' does not work here: $err"
	exit 0
fi
ip netns del "$TSW_LAB_PREFIX-probe"

teardown() {
	local rc=$?
	cleanup
	"$LAB" down >/dev/null 2>&1 || true
	for ns in $(ip netns list | awk '{print $1}' | grep -E "^$TSW_LAB_PREFIX-(srv|rtr|c[0-9]+)\$"); do
		ip netns del "$ns" 2>/dev/null || true
	done
	exit "$rc"
}
trap teardown EXIT

lab_up() {
	"$LAB" down >/dev/null 2>&1 || true
	"$LAB" nat-up "$@" >"$WORK/lab.out" 2>&1 || fail "nat-up $*: $(cat "$WORK/lab.out")"
}

# clients TARGET EXTRA...: K clients at once, $PER connections each, JSON c1..cK
clients() {
	local target=$1 i pids=()
	shift
	for i in $(seq 1 $K); do
		timeout 30 ip netns exec "$TSW_LAB_PREFIX-c$i" "$BIN" client "$target" -c $PER -r 100 -T 3s -q \
			--connect-timeout 1s --json "$WORK/c$i.json" "$@" >"$WORK/c$i.out" 2>&1 &
		pids+=($!)
		PIDS+=($!)
	done
	for p in "${pids[@]}"; do wait "$p" || true; done
}

established() { jq -s '[.[].connections.established] | add' "$WORK"/c[0-9]*.json; }

# 1. one source address holds every connection
lab_up $K
server -p 7000
clients 10.201.0.1:7000
stop_server
jq -e --argjson n $((K * PER)) '(.peers | length) == 1 and .peers[0].addr == "10.201.0.254" and
	.peers[0].accepted == $n and .peers[0].peak == $n and .peers_other.accepted == 0' "$WORK/s.json" >/dev/null ||
	fail "server peers are not one address holding $((K * PER)): $(jq -c '.peers, .peers_other' "$WORK/s.json")"
grep -q "peers          1 source address" "$WORK/s.out" || fail "summary lacks the peers line: $(cat "$WORK/s.out")"
[ "$(established)" = $((K * PER)) ] || fail "clients established $(established) of $((K * PER))"

# 2. a 40-port NAT: 72 connections to one port do not fit
lab_up $K 40000-40039
ip netns exec "$SRV" sysctl -qw net.ipv4.ip_local_port_range="40000 40039"
server -p 7000
clients 10.201.0.1:7000
stop_server
est=$(established)
[ "$est" -le 40 ] && [ "$est" -ge 30 ] || fail "through a 40-port NAT $est connections were established (want 30..40)"
jq -e '.peers[0].addr == "10.201.0.254" and .peers[0].peak <= 40' "$WORK/s.json" >/dev/null ||
	fail "server peers: $(jq -c .peers "$WORK/s.json")"
jq -e '[.diagnosis[] | select(.limit == "behind_one_address")][0] |
	(.evidence | test("10.201.0.254 held [0-9]+ connections at once to port 7000")) and
	(.evidence | test("behind one address")) and (.fix | test("-p 7000-7003"))' "$WORK/s.json" >/dev/null ||
	fail "server diagnosis does not say behind one address: $(jq -c .diagnosis "$WORK/s.json")"
jq -s -e '[.[].connections.failed] | add > 0' "$WORK"/c[0-9]*.json >/dev/null ||
	fail "no client connect failed through the full NAT: $(jq -c -s '[.[].connections]' "$WORK"/c[0-9]*.json)"
echo "40-port NAT, one server port: $est of $((K * PER)) established, server peak $(jq '.peers[0].peak' "$WORK/s.json") from 10.201.0.254"

# 3. four server ports: the same 72 fit
server -p 7000-7003
clients 10.201.0.1:7000-7003
stop_server
[ "$(established)" = $((K * PER)) ] || fail "over 4 ports clients established $(established) of $((K * PER))"
jq -e --argjson n $((K * PER)) '(.peers | length) == 4 and ([.peers[].accepted] | add) == $n and
	([.peers[].port] | sort) == [7000, 7001, 7002, 7003] and ([.peers[].peak] | max) <= 20 and
	([.diagnosis[].limit] | index("behind_one_address")) == null' "$WORK/s.json" >/dev/null ||
	fail "over 4 ports: $(jq -c '.peers, [.diagnosis[].limit]' "$WORK/s.json")"

echo PASS
