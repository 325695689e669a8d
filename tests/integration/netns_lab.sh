# Two-host lab (tools/netns-lab.sh): server and client in their own network
# namespaces joined by a veth pair. 2,000 connections from 4 client alias
# addresses at 2k req/s for 3 s: every connection established, >= 99% of the
# intended requests answered, and the server's kernel sees the clients' own
# source addresses (exactly the 4 aliases, ~500 connections each, never the
# client's main address). The lab is torn down, also on failure.
# Skips (exit 0) only when not root or `ip netns` is unavailable.
source "$(dirname "$0")/lib.sh"
LAB=$(cd "$(dirname "$0")/../.." && pwd)/tools/netns-lab.sh
export TSW_LAB_PREFIX=tswt$$
SRV=$TSW_LAB_PREFIX-srv
CLI=$TSW_LAB_PREFIX-cli
PORT=7000
N=2000
ALIASES="10.200.0.101 10.200.0.102 10.200.0.103 10.200.0.104"

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: netns_lab needs root (network namespaces)"
	exit 0
fi
if ! command -v ip >/dev/null || ! ip netns list >/dev/null 2>&1; then
	echo "SKIP: 'ip netns' is not available here"
	exit 0
fi
# Root without CAP_SYS_ADMIN (some containers) cannot create namespaces.
if ! err=$(ip netns add "$TSW_LAB_PREFIX-probe" 2>&1); then
	echo "SKIP: 'ip netns add' does not work here: $err"
	exit 0
fi
ip netns del "$TSW_LAB_PREFIX-probe"

LAB_UP=0
teardown() {
	local rc=$?
	cleanup # lib.sh: stops the processes this test started (by PID), removes WORK
	if [ "$LAB_UP" = 1 ]; then
		"$LAB" down >/dev/null 2>&1 || true
		# whatever the script could not remove, by exact name
		for ns in "$SRV" "$CLI"; do
			ip netns del "$ns" 2>/dev/null || true
		done
	fi
	exit "$rc"
}
trap teardown EXIT

LAB_UP=1
"$LAB" up 8 >"$WORK/lab.out" 2>&1 || fail "lab up: $(cat "$WORK/lab.out")"
# a second up is a no-op that says so
"$LAB" up >"$WORK/lab2.out" 2>&1 || fail "second lab up exited non-zero: $(cat "$WORK/lab2.out")"
grep -q "already up" "$WORK/lab2.out" || fail "second lab up did not say it was already up: $(cat "$WORK/lab2.out")"

timeout 60 ip netns exec "$SRV" "$BIN" server -p $PORT --processes 1 -q -T 20s --json "$WORK/server.json" \
	>"$WORK/server.out" 2>"$WORK/server.err" &
SERVER_PID=$!
PIDS+=("$SERVER_PID")
for _ in $(seq 1 200); do
	ip netns exec "$SRV" ss -Htln "sport = :$PORT" | grep -q . && break
	kill -0 "$SERVER_PID" 2>/dev/null || fail "server exited before listening: $(cat "$WORK/server.err")"
	sleep 0.05
done
ip netns exec "$SRV" ss -Htln "sport = :$PORT" | grep -q . || fail "server not listening in $SRV after 10 s"

timeout 30 ip netns exec "$CLI" "$BIN" client "10.200.0.1:$PORT" -c $N --source 10.200.0.101-10.200.0.104 \
	-r 2k -T 3s -q --json "$WORK/client.json" >"$WORK/client.out" 2>"$WORK/client.err" &
CLIENT=$!
PIDS+=("$CLIENT")

# While the client holds its connections, ask the server's kernel who they come from.
est=0
for _ in $(seq 1 50); do
	est=$(ip netns exec "$SRV" ss -Htn state established "( sport = :$PORT )" | wc -l)
	[ "$est" -ge $N ] && break
	sleep 0.05
done
[ "$est" -ge $N ] || fail "server side holds only $est established connections after 2.5 s, expected $N"
ip netns exec "$SRV" ss -Htn state established "( sport = :$PORT )" |
	awk '{ p = $4; sub(/:[0-9]+$/, "", p); gsub(/^\[|\]$/, "", p); sub(/^::ffff:/, "", p); print p }' |
	sort | uniq -c | awk '{ print $2, $1 }' >"$WORK/peers"

rc=0
wait "$CLIENT" || rc=$?
[ "$rc" -eq 0 ] || fail "client exited $rc: $(cat "$WORK/client.err" "$WORK/client.out")"

echo "server-side peers (address connections):"
sed 's/^/  /' "$WORK/peers"
got=$(awk '{ print $1 }' "$WORK/peers" | sort | tr '\n' ' ' | sed 's/ $//')
[ "$got" = "$ALIASES" ] || fail "server sees peers '$got', expected exactly the aliases '$ALIASES'"
grep -q '^10\.200\.0\.2 ' "$WORK/peers" && fail "server sees the client's main address 10.200.0.2"
total=$(awk '{ s += $2 } END { print s }' "$WORK/peers")
[ "$total" -eq $N ] || fail "server-side peers hold $total connections, expected $N"
awk -v n=$N '{ if ($2 < n / 4 * 0.9 || $2 > n / 4 * 1.1) bad = bad " " $1 "=" $2 } END { if (bad) { print bad; exit 1 } }' \
	"$WORK/peers" >"$WORK/uneven" || fail "connections per alias not ~$((N / 4)):$(cat "$WORK/uneven")"

jq -e ".connections.established == $N and .connections.failed == 0" "$WORK/client.json" >/dev/null ||
	fail "client connections: $(jq -c .connections "$WORK/client.json")"
jq -e '.requests.intended > 0 and .requests.answered * 100 >= .requests.intended * 99' "$WORK/client.json" >/dev/null ||
	fail "client requests: $(jq -c .requests "$WORK/client.json")"

kill -INT "$SERVER_PID"
rc=0
wait "$SERVER_PID" || rc=$?
[ "$rc" -eq 0 ] || fail "server exited $rc after SIGINT: $(cat "$WORK/server.err")"
jq -e ".connections.accepted == $N" "$WORK/server.json" >/dev/null ||
	fail "server accepted: $(jq -c .connections "$WORK/server.json")"

"$LAB" down >"$WORK/down.out" 2>&1 || fail "lab down: $(cat "$WORK/down.out")"
for ns in "$SRV" "$CLI"; do
	ip netns list | awk '{ print $1 }' | grep -qxF "$ns" && fail "namespace $ns still exists after lab down"
done
LAB_UP=0
echo "PASS netns_lab: $N connections from 4 aliases, answered $(jq .requests.answered "$WORK/client.json")" \
	"of $(jq .requests.intended "$WORK/client.json") intended; server saw the aliases; lab removed"
