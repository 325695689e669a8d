# Shared by syn_queue_netns.sh and abort_on_overflow_netns.sh: a server and
# a client namespace joined by one veth pair (10.78.0.1 and 10.78.0.2 exist
# inside them only). Sysctls are set in the server's namespace, firewall
# rules in the client's: nothing on the host changes, and the trap deletes
# both namespaces (the veth goes with them), also on failure.
# Skips (exit 0) only when not root or `ip netns` cannot be used here.
source "$(dirname "${BASH_SOURCE[0]}")/peer_lib.sh"
P=tswq$$ # every namespace this test makes starts with this
SRV=$P-srv CLI=$P-cli
SADDR=10.78.0.1

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: $(basename "$0") needs root (network namespaces)"
	exit 0
fi
if ! err=$(ip netns add "$P-probe" 2>&1); then
	echo "SKIP: 'ip netns add' does not work here: $err"
	exit 0
fi
ip netns del "$P-probe"

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

ip netns add "$SRV"
MADE+=("$SRV")
ip netns add "$CLI"
MADE+=("$CLI")
ip link add eth0 netns "$SRV" type veth peer name eth0 netns "$CLI"
ip -n "$SRV" addr add "$SADDR/24" dev eth0
ip -n "$CLI" addr add 10.78.0.2/24 dev eth0
for ns in "$SRV" "$CLI"; do
	ip -n "$ns" link set lo up
	ip -n "$ns" link set eth0 up
done

in_srv() { ip netns exec "$SRV" "$@"; }
in_cli() { ip netns exec "$CLI" "$@"; }

# lab_server PORT ARGS...: tcpswarm server in the server namespace, in the
# background (SERVER_PID), output in $WORK/server.out; waits until it listens.
lab_server() {
	local port=$1
	shift
	timeout 60 ip netns exec "$SRV" "$BIN" server -b "$SADDR" -p "$port" -q "$@" \
		>"$WORK/server.out" 2>"$WORK/server.err" &
	SERVER_PID=$!
	PIDS+=("$SERVER_PID")
	for _ in $(seq 1 200); do
		in_srv ss -Htln "sport = :$port" | grep -q . && return 0
		kill -0 "$SERVER_PID" 2>/dev/null || fail "server exited: $(cat "$WORK/server.err")"
		sleep 0.05
	done
	fail "server did not listen on $port: $(cat "$WORK/server.err")"
}

# lab_server_wait: the server's -T ran out; its exit status is checked.
lab_server_wait() {
	local rc=0
	wait "$SERVER_PID" || rc=$?
	[ "$rc" -eq 0 ] || fail "server exited $rc: $(cat "$WORK/server.err" "$WORK/server.out")"
}
