# The SYN queue, provoked for real: the client's namespace drops its own
# outgoing packets to the server ports that carry ACK without SYN, FIN or
# RST (the handshake's final ACK, and data), so every handshake stays
# half-open on the server (SYN-RECV). For several (backlog, somaxconn,
# tcp_max_syn_backlog) triples with tcp_syncookies=0 the server's sampled
# SYN-RECV peak must equal the ceiling it predicts (synq.h:
# min(min(backlog, somaxconn), msb - msb/4) + 1 on Linux >= 4.x) and the
# expected figure computed here; for the default backlog, probe's printed
# prediction must agree too. The diagnosis names the SYN queue and its
# knobs. With tcp_syncookies=1 the queue fills to the same ceiling, cookies
# are counted and the diagnosis says connections survive through cookies.
source "$(dirname "$0")/synq_lab.sh"
command -v iptables >/dev/null || peer_install iptables
IPT=$(peer_cmd iptables)
in_cli "$IPT" -A OUTPUT -p tcp -d "$SADDR" --dport 7000:7099 --tcp-flags SYN,ACK,FIN,RST ACK -j DROP

# run PORT BACKLOG SOMAXCONN MSB COOKIES CONNS: one server run (JSON in
# $WORK/s$PORT.json) against a client that opens CONNS handshakes.
run() {
	local port=$1 backlog=$2 somax=$3 msb=$4 cookies=$5 conns=$6
	in_srv sysctl -qw net.core.somaxconn="$somax" net.ipv4.tcp_max_syn_backlog="$msb" \
		net.ipv4.tcp_syncookies="$cookies"
	lab_server "$port" --backlog "$backlog" -w 1 --processes 1 -T 5s --json "$WORK/s$port.json"
	# its connects "succeed" (the SYN-ACK arrives); nothing it sends gets through
	timeout 30 ip netns exec "$CLI" "$BIN" client "$SADDR:$port" -c "$conns" -T 3s -q \
		>"$WORK/c$port.out" 2>&1 || true
	lab_server_wait
	cp "$WORK/server.out" "$WORK/s$port.out"
}

expect_ceiling() { # BACKLOG SOMAXCONN MSB: the rule for cookies off, in shell
	local q=$(($1 < $2 ? $1 : $2)) m=$(($3 - $3 / 4))
	echo $(((q < m ? q : m) + 1))
}

MEASURED=()
port=7001
for triple in "64 4096 4096" "4096 100 4096" "65535 4096 128"; do
	read -r backlog somax msb <<<"$triple"
	run "$port" "$backlog" "$somax" "$msb" 0 400
	S=$WORK/s$port.json
	want=$(expect_ceiling "$backlog" "$somax" "$msb")
	peak=$(jq .listener.syn_recv_peak "$S")
	pred=$(jq .listener.syn_recv_ceiling "$S")
	cat "$WORK/s$port.out"
	# the listener's SYN path is lockless: two CPUs can pass the "queue full"
	# check at once and both add a request, so the peak may be one above the
	# ceiling (measured 66 of 65 once in CI); never below it, never more above
	[ "$peak" -eq "$want" ] || [ "$peak" -eq $((want + 1)) ] ||
		fail "backlog $backlog somaxconn $somax msb $msb: SYN-RECV peak $peak, formula $want"
	[ "$pred" -eq "$want" ] || fail "server predicted $pred, formula $want (measured $peak)"
	grep -q "syn queue peak $peak (ceiling $pred)" "$WORK/s$port.out" || fail "summary lacks the syn queue peak"
	grep -q "^syn queue .*(netns-wide)" "$WORK/s$port.out" || fail "summary lacks the netns-wide SYN counters"
	jq -e '[.diagnosis[] | select(.limit == "syn_queue")][0] |
		(.evidence | test("SYN-RECV peaked at [0-9]+ of [0-9]+")) and
		(.fix | test("tcp_max_syn_backlog") and test("somaxconn") and test("backlog"))' "$S" >/dev/null ||
		fail "diagnosis does not name the SYN queue with its knobs: $(jq -c .diagnosis "$S")"
	if [ "$backlog" -eq 65535 ]; then
		in_srv "$BIN" probe --role server >"$WORK/probe.out" 2>&1 || true
		said=$(grep -o 'SYN queue holds [0-9]*' "$WORK/probe.out" | grep -o '[0-9]*$')
		[ "$said" = "$want" ] || fail "probe predicts '$said', formula $want, measured $peak: $(grep -A2 'SYN queue' "$WORK/probe.out")"
	fi
	MEASURED+=("($backlog,$somax,$msb)->$peak")
	port=$((port + 1))
done
# the 3/4 rule drops without TCPReqQFullDrop; the backlog rule counts it
jq -e '.kernel.deltas.TCPReqQFullDrop > 0' "$WORK/s7001.json" >/dev/null ||
	fail "TCPReqQFullDrop did not move at the backlog limit: $(jq -c .kernel.deltas "$WORK/s7001.json")"

# cookies on: the queue still stops at its ceiling, the rest get cookies
run "$port" 64 4096 4096 1 400
S=$WORK/s$port.json
cat "$WORK/s$port.out"
jq -e '(.listener.syn_recv_peak == 65 or .listener.syn_recv_peak == 66) and .listener.syn_recv_ceiling == 65' "$S" >/dev/null ||
	fail "cookies on: $(jq -c .listener "$S")"
jq -e '.kernel.deltas.SyncookiesSent > 0 and .kernel.deltas.TCPReqQFullDoCookies > 0' "$S" >/dev/null ||
	fail "no cookies counted: $(jq -c .kernel.deltas "$S")"
jq -e '[.diagnosis[] | select(.limit == "syn_queue")][0].evidence | test("survive through cookies")' "$S" \
	>/dev/null || fail "diagnosis does not say cookies carry the connections: $(jq -c .diagnosis "$S")"
echo "PASS syn_queue_netns on $(uname -r): cookies off ${MEASURED[*]} (= min(min(backlog,somaxconn), msb-msb/4)+1);" \
	"cookies on: peak 65, SyncookiesSent +$(jq .kernel.deltas.SyncookiesSent "$S")"
