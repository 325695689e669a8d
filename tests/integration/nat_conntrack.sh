# A real full conntrack table on a NAT router (tools/netns-lab.sh nat-up 1).
# On this kernel (6.18) net.netfilter.nf_conntrack_max is read-only outside
# the initial netns, and __nf_conntrack_alloc() compares each netns's own
# count against that one host-wide max. So the test lowers the initial
# netns's max to CT for a few seconds, while nothing else on the host is
# tracked, and restores it exactly as found on every exit (trap).
#  1. With max CT: the client (150 connections through the router) holds
#     at most CT, the rest time out; the router's count reaches CT, its
#     drop counter moves and the kernel logs "table full"; the client's
#     diagnosis names conntrack on the path from its own evidence.
#  2. Max restored: the same 150 all pass, and no conntrack finding.
#  3. The same ceiling from the server's full accept queue (--backlog 16,
#     not accepting): connects time out under a flat count too, but the
#     open ones are not answered: not conntrack.
# Skips (77) when not root, when the max is not writable here (not the
# initial netns), or when anything on the host is tracked already.
source "$(dirname "$0")/lib.sh"
export TSW_LAB_PREFIX=tswk$$
source "$(dirname "$0")/nat_lib.sh"
CLI=$TSW_LAB_PREFIX-c1
CT=64 # the table while the client runs
N=150 # connections the client wants
MAXF=/proc/sys/net/netfilter/nf_conntrack_max
COUNTF=/proc/sys/net/netfilter/nf_conntrack_count

skip() {
	echo "SKIP: $*"
	exit 77
}
[ "$(id -u)" -eq 0 ] && command -v ip >/dev/null && command -v iptables >/dev/null || skip "needs root, ip and iptables"
err=$(ip netns add "$TSW_LAB_PREFIX-probe" 2>&1) || skip "'ip netns add' does not work here: $err"
ip netns del "$TSW_LAB_PREFIX-probe"
modprobe nf_conntrack 2>/dev/null || true
[ -r "$MAXF" ] && [ -r "$COUNTF" ] || skip "conntrack is not loaded (no $MAXF)"
[ -w "$MAXF" ] || skip "$MAXF is not writable: not the initial netns"
# One run at a time on this host (other worktrees run this test too): a
# second run started inside the first one's window would take 64 as the
# value to restore.
LOCK=/run/lock/tcpswarm-nf-conntrack-max.lock
command -v flock >/dev/null || skip "needs flock (util-linux)"
exec 9>"$LOCK"
flock -w 60 9 || skip "another run holds $LOCK for over 60 s"
OLD_MAX=$(cat "$MAXF")
[ "$OLD_MAX" -eq 0 ] || [ "$OLD_MAX" -ge 1024 ] || skip "nf_conntrack_max is $OLD_MAX: lowered by someone else, not restoring that"

# Every exit restores the max first: other netns on this host share it.
restore_max() {
	[ "$(cat "$MAXF")" = "$OLD_MAX" ] && return 0
	echo "$OLD_MAX" >"$MAXF" || echo "nat_conntrack: could not restore $MAXF to $OLD_MAX" >&2
}
teardown() {
	local rc=$?
	trap - EXIT INT TERM
	restore_max
	cleanup
	"$LAB" down >/dev/null 2>&1 || true
	for ns in $(ip netns list | awk '{print $1}' | grep -E "^$TSW_LAB_PREFIX-(srv|rtr|c[0-9]+)\$"); do
		ip netns del "$ns" 2>/dev/null || true
	done
	[ "$(cat "$MAXF")" = "$OLD_MAX" ] || { echo "FAIL: $MAXF left at $(cat "$MAXF"), was $OLD_MAX" >&2; rc=1; }
	exit "$rc"
}
trap teardown EXIT
trap 'exit 130' INT TERM

# Nothing else tracked: the initial netns and every named netns at 0 (a
# lowered max would drop their new connections too).
host_untracked() {
	local ns n
	n=$(cat "$COUNTF")
	[ "$n" -eq 0 ] || { echo "the initial netns tracks $n connections"; return 1; }
	for ns in $(ip netns list | awk '{print $1}' | grep -vE "^$TSW_LAB_PREFIX-"); do
		n=$(ip netns exec "$ns" cat "$COUNTF" 2>/dev/null || echo 0)
		[ "$n" -eq 0 ] || { echo "netns $ns tracks $n connections"; return 1; }
	done
}
why=$(host_untracked) || skip "$why: lowering the host-wide nf_conntrack_max would drop their connections"

"$LAB" nat-up 1 >"$WORK/lab.out" 2>&1 || fail "nat-up: $(cat "$WORK/lab.out")"
RTR_NS=$(ip netns exec "$RTR" readlink /proc/self/ns/net | tr -dc 0-9)
if ip netns exec "$RTR" sh -c "echo $CT > $MAXF" 2>/dev/null; then
	echo "note: nf_conntrack_max is writable in the router netns on this kernel (per-netns max)"
fi


# client JSON: N connections through the router; sets RTR_PEAK, the
# router's highest count while it ran
client() {
	rm -f "$1"
	timeout 20 ip netns exec "$CLI" "$BIN" client 10.201.0.1:7000 -c $N -r 100 -T 3s -q --connect-timeout 1500ms \
		--json "$1" >"$1.out" 2>&1 &
	local pid=$! n
	PIDS+=("$pid")
	RTR_PEAK=0
	while kill -0 "$pid" 2>/dev/null; do
		n=$(ip netns exec "$RTR" cat "$COUNTF")
		[ "$n" -le "$RTR_PEAK" ] || RTR_PEAK=$n
		sleep 0.1
	done
	wait "$pid" || true
	[ -s "$1" ] || fail "client wrote no JSON: $(cat "$1.out")"
}

# a column of /proc/net/stat/nf_conntrack (drop, early_drop) summed over the router's CPUs
rtr_stat() {
	local i col=-1 sum=0
	local -a f
	{
		read -r -a f
		for i in "${!f[@]}"; do [ "${f[$i]}" != "$1" ] || col=$i; done
		[ "$col" -ge 0 ] || fail "no column $1 in /proc/net/stat/nf_conntrack"
		while read -r -a f; do sum=$((sum + 16#${f[$col]})); done
	} < <(ip netns exec "$RTR" cat /proc/net/stat/nf_conntrack)
	echo "$sum"
}
full_lines() { dmesg 2>/dev/null | grep -c "nf_conntrack: table full" || true; }

# 1. the table full at CT
server -p 7000
drop0=$(rtr_stat drop)
logged0=$(full_lines)
why=$(host_untracked) || skip "$why (since the start): not lowering the max"
echo "$CT" >"$MAXF"
client "$WORK/full.json"
restore_max
stop_server
drops=$(($(rtr_stat drop) - drop0))
early=$(rtr_stat early_drop)
logged=$(($(full_lines) - logged0))
est=$(jq '.connections.established' "$WORK/full.json")
echo "nf_conntrack_max $CT (host-wide, set in the initial netns): router count peaked at $RTR_PEAK," \
	"$est of $N established, $(jq '.connections.failed' "$WORK/full.json") connects failed" \
	"($(jq -c '.connections.errors' "$WORK/full.json")), router drop +$drops, early_drop $early, 'table full' lines +$logged"
[ "$RTR_PEAK" -eq $CT ] || fail "the router's count peaked at $RTR_PEAK, not at the max $CT"
[ "$est" -le $CT ] && [ "$est" -ge $((CT - 4)) ] || fail "$est connections passed a router whose table holds $CT"
[ "$drops" -gt 0 ] || fail "the router's drop counter did not move"
[ "$early" -eq 0 ] || fail "early_drop $early: the table held evictable (unassured) entries"
if dmesg >/dev/null 2>&1; then
	[ "$logged" -gt 0 ] || fail "the kernel did not log 'nf_conntrack: table full'"
	dmesg | grep "nf_conntrack: table full" | tail -1
	dmesg | grep -q "table full in netns $RTR_NS" || echo "note: the log line does not name netns $RTR_NS"
fi
jq -e --argjson n $N '.connections.failed > 0 and (.connections.errors | keys) == ["ETIMEDOUT"] and
	.connections.closed_by.connect_timeout > 0 and .connections.peak_open < $n' "$WORK/full.json" >/dev/null ||
	fail "the client's connects did not just time out: $(jq -c .connections "$WORK/full.json")"
jq -e --argjson est "$est" '[.diagnosis[] | select(.limit == "conntrack")][0] |
	(.evidence | test("new connections stopped being answered at \($est) open \\(of 150\\)")) and
	(.evidence | test("no RST, SYNs unanswered \\(retransmits \\+[1-9]")) and
	(.evidence | test("stateful middlebox: NAT/firewall conntrack table full")) and
	(.evidence | test("this netns tracks none \\(nf_conntrack_count 0 of max [0-9]+\\)")) and
	(.fix | test("nf_conntrack_max")) and (.fix | test("hashsize")) and (.fix | test("avoid NAT"))' \
	"$WORK/full.json" >/dev/null || fail "client diagnosis: $(jq -c .diagnosis "$WORK/full.json")"
jq -r '.diagnosis[] | select(.limit == "conntrack") | "client: " + .evidence' "$WORK/full.json"
jq -e --argjson ct $CT '.peers[0].peak <= $ct and ([.diagnosis[].limit] | index("accept_queue") == null and
	index("syn_queue") == null)' "$WORK/s.json" >/dev/null ||
	fail "server: $(jq -c '.peers, [.diagnosis[].limit]' "$WORK/s.json")"

# 2. the max restored: all pass, no conntrack finding
[ "$(cat "$MAXF")" = "$OLD_MAX" ] || fail "$MAXF is $(cat "$MAXF") after the restore, was $OLD_MAX"
server -p 7000
client "$WORK/free.json"
stop_server
jq -e --argjson n $N '.connections.established == $n and .connections.failed == 0 and
	([.diagnosis[].limit] | index("conntrack")) == null' "$WORK/free.json" >/dev/null ||
	fail "with nf_conntrack_max $OLD_MAX: $(jq -c '.connections, [.diagnosis[].limit]' "$WORK/free.json")"
echo "nf_conntrack_max $OLD_MAX restored: $N of $N established, router count peaked at $RTR_PEAK"

# 3. an accept queue overflow through the same router is not conntrack
server -p 7000 --backlog 16 --accept-pause 8s -T 9s
client "$WORK/queue.json"
wait "$SERVER" || true
jq -e --argjson n $N '.connections.peak_open < $n and .connections.closed_by.connect_timeout > 0 and
	.requests.lost > 0' "$WORK/queue.json" >/dev/null ||
	fail "a full accept queue did not cap the client: $(jq -c '.connections, .requests' "$WORK/queue.json")"
jq -e '[.diagnosis[].limit] | index("conntrack") == null and index("connect_timeout") != null' \
	"$WORK/queue.json" >/dev/null || fail "accept queue overflow: $(jq -c .diagnosis "$WORK/queue.json")"
jq -e '[.diagnosis[].limit] | index("accept_queue") != null' "$WORK/s.json" >/dev/null ||
	fail "the server did not name its accept queue: $(jq -c .diagnosis "$WORK/s.json")"
echo "accept queue full (backlog 16): $(jq .connections.peak_open "$WORK/queue.json") of $N open, $(jq .requests.lost "$WORK/queue.json") requests lost: not conntrack"
echo PASS
