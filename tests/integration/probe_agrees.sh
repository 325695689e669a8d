# probe and the client make the same port plan (portplan_compute): for a
# few plans, probe's verdict on ip_local_port_range and its source-IP count
# match what the client does. The target port is closed: the client judges
# the plan before any connect, and the runs that start are stopped after
# 200 ms at 50 connects a second (refused ones, all on 127.0.0.1).
source "$(dirname "$0")/lib.sh"
PORT=$(free_port)
T=127.0.0.1:$PORT

# probe_plan ARGS...: runs probe, sets PROBE_RC and PORTS_ROW (its table row).
probe_plan() {
	PROBE_RC=0
	timeout 10 "$BIN" probe "$@" >"$WORK/probe" 2>&1 || PROBE_RC=$?
	PORTS_ROW=$(grep '^ip_local_port_range ' "$WORK/probe" || true)
	[ -n "$PORTS_ROW" ] || fail "probe $*: no ip_local_port_range row: $(cat "$WORK/probe")"
}
# client_plan ARGS...: runs the client briefly, sets CLIENT_RC.
client_plan() {
	CLIENT_RC=0
	timeout 20 "$BIN" client "$@" -T 200ms --drain 0 --connect-rate 50 --connect-timeout 100ms \
		>"$WORK/client.out" 2>"$WORK/client.err" || CLIENT_RC=$?
}
# count_of SPEC: addresses in 127.0.0.2-127.0.A.B
count_of() {
	local last=${1#*-} IFS=.
	set -- $last
	echo $(( ($3 * 256 + $4) - 1 ))
}

# 1. 200k to one loopback port, no --source: the client picks sources
#    itself and runs; probe says so (ok, exit 0) with the same addresses.
probe_plan -c 200k "$T"
client_plan -c 200k "$T"
cat "$WORK/client.err"
[ "$CLIENT_RC" -ne 2 ] || fail "client refused -c 200k: $(cat "$WORK/client.err")"
CSPEC=$(grep -o 'using source IPs 127\.0\.[0-9.]*-127\.0\.[0-9.]*' "$WORK/client.err" | awk '{print $4}')
[ -n "$CSPEC" ] || fail "client did not pick source IPs: $(cat "$WORK/client.err")"
grep -q "picks $(count_of "$CSPEC") source IPs itself (--source $CSPEC," "$WORK/probe" ||
	fail "probe does not predict the client's $CSPEC: $(grep -A3 '^notes' "$WORK/probe")"
echo "$PORTS_ROW" | grep -q ' ok$' || fail "probe's port row is not ok: $PORTS_ROW"
[ "$PROBE_RC" -eq 0 ] || fail "probe exited $PROBE_RC where the client runs: $(tail -3 "$WORK/probe")"
echo "200k: both use $CSPEC ($(count_of "$CSPEC") source IPs)"

# 2. 50k from one given source IP: cannot fit; the client refuses (exit 2)
#    and probe binds (exit 1), with the same number of source IPs needed.
probe_plan -c 50k --source 127.0.0.2 "$T"
client_plan -c 50k --source 127.0.0.2 "$T"
cat "$WORK/client.err"
[ "$CLIENT_RC" -eq 2 ] || fail "client should refuse -c 50k --source 127.0.0.2 (exit 2), got $CLIENT_RC"
[ "$PROBE_RC" -eq 1 ] || fail "probe should bind (exit 1), got $PROBE_RC"
echo "$PORTS_ROW" | grep -q ' BINDS$' || fail "probe's port row does not bind: $PORTS_ROW"
grep -q "binds first: ip_local_port_range" "$WORK/probe" || fail "probe: ports do not bind first"
CNEED=$(grep -o 'use at least [0-9]* source IPs' "$WORK/client.err" | awk '{print $4}')
PNEED=$(echo "$PORTS_ROW" | grep -o '[0-9]* source IPs* (have 1)' | awk '{print $1}')
[ -n "$CNEED" ] && [ "$CNEED" = "$PNEED" ] || fail "client needs '$CNEED' source IPs, probe '$PNEED'"
[ ! -s "$WORK/client.out" ] || fail "a refused plan printed a summary"
echo "50k from one source: both refuse, both need $CNEED source IPs"

# 3. 1000 connections: fits as it is; no pick, no refusal, no warning.
probe_plan -c 1000 "$T"
client_plan -c 1000 "$T"
[ "$CLIENT_RC" -ne 2 ] || fail "client refused -c 1000: $(cat "$WORK/client.err")"
! grep -q "source IPs\|ip_local_port_range" "$WORK/client.err" || fail "client: $(cat "$WORK/client.err")"
echo "$PORTS_ROW" | grep -q ' ok$' || fail "probe's port row is not ok: $PORTS_ROW"
[ "$PROBE_RC" -eq 0 ] || fail "probe exited $PROBE_RC for -c 1000"
echo "PASS probe_agrees"
