# tcp_abort_on_overflow, provoked for real in the test's own namespaces.
# Its RST is sent only when the final ACK of a handshake held in the SYN
# queue finds the accept queue full (SYNs that arrive while it is full are
# dropped before that). So: a server with --backlog 32 that does not accept
# for 5 s. Client A (10.78.0.2, -c 20) opens first, with its final ACKs
# dropped in the client namespace: 20 handshakes wait in the SYN queue.
# Client B (10.78.0.3, -c 60) then fills the accept queue. The rule goes,
# the server retransmits its SYN-ACKs and A's ACKs arrive at a full queue.
# With tcp_abort_on_overflow=1 in the server's namespace client A counts
# ECONNRESET and both diagnoses explain the setting (1: fast resets; 0:
# dropped ACKs, retransmits, slow success). With 0, A has no reset at all.
source "$(dirname "$0")/synq_lab.sh"
command -v iptables >/dev/null || peer_install iptables
IPT=$(peer_cmd iptables)
ip -n "$CLI" addr add 10.78.0.3/24 dev eth0
RULE=(OUTPUT -p tcp -s 10.78.0.2 -d "$SADDR" --dport 7100:7199 --tcp-flags SYN,ACK,FIN,RST ACK -j DROP)

# client NAME SOURCE CONNS SECONDS PORT: in the background (its PID in CPID)
client() {
	timeout 30 ip netns exec "$CLI" "$BIN" client "$SADDR:$5" --source "$2" -c "$3" -T "$4" --reconnect off \
		--connect-timeout 10s -q --json "$WORK/$1$5.json" >"$WORK/$1$5.out" 2>&1 &
	CPID=$!
	PIDS+=("$CPID")
}

# run PORT ABORT: JSON of the server and clients A and B in $WORK/{s,a,b}PORT.json
run() {
	local port=$1 abort=$2 apid
	in_srv sysctl -qw net.ipv4.tcp_abort_on_overflow="$abort" net.core.somaxconn=4096
	lab_server "$port" --backlog 32 --accept-pause 5s -w 1 --processes 1 -T 7s --json "$WORK/s$port.json"
	in_cli "$IPT" -A "${RULE[@]}"
	client a 10.78.0.2 20 6s "$port"
	apid=$CPID
	sleep 0.3
	client b 10.78.0.3 60 5s "$port"
	sleep 0.3
	in_cli "$IPT" -D "${RULE[@]}"
	wait "$CPID" || true
	wait "$apid" || true
	lab_server_wait
	cp "$WORK/server.out" "$WORK/s$port.out"
	cat "$WORK/a$port.out" "$WORK/s$port.out"
}

resets() { jq '[(.connections.errors.ECONNRESET // 0), (.connections.closed_by.reset // 0)] | max' "$1"; }

run 7101 1
C=$WORK/a7101.json S=$WORK/s7101.json
n=$(resets "$C")
[ "$n" -gt 0 ] || fail "abort_on_overflow=1: the client counted no reset: $(jq -c .connections "$C")"
jq -e '.kernel.deltas.ListenOverflows > 0' "$S" >/dev/null || fail "no ListenOverflows: $(jq -c .kernel.deltas "$S")"
jq -e '[.diagnosis[] | select(.limit == "abort_on_overflow")][0].evidence |
	test("tcp_abort_on_overflow = 1") and test("RST") and test("with 0 the final ACK is dropped")' "$S" >/dev/null ||
	fail "server diagnosis does not explain abort_on_overflow: $(jq -c .diagnosis "$S")"
jq -e '[.diagnosis[] | select(.limit == "abort_on_overflow")][0].evidence |
	test("reset") and test("tcp_abort_on_overflow=1") and test("with 0")' "$C" >/dev/null ||
	fail "client diagnosis does not explain the resets: $(jq -c .diagnosis "$C")"

run 7102 0
C0=$WORK/a7102.json S0=$WORK/s7102.json
n0=$(resets "$C0")
[ "$n0" -eq 0 ] || fail "abort_on_overflow=0: the client counted $n0 resets"
jq -e '.kernel.deltas.ListenOverflows > 0' "$S0" >/dev/null || fail "no ListenOverflows with 0: $(jq -c .kernel.deltas "$S0")"
jq -e '[.diagnosis[].limit] | index("abort_on_overflow") == null' "$S0" "$C0" >/dev/null ||
	fail "abort_on_overflow named with the setting at 0"
echo "PASS abort_on_overflow_netns on $(uname -r): 1: $n resets at the client, ListenOverflows" \
	"+$(jq .kernel.deltas.ListenOverflows "$S"); 0: no reset, client A established $(jq .connections.established "$C0") of 20"
