# Ephemeral port exhaustion, provoked for real in a network namespace this
# test makes (and deletes) with ip_local_port_range narrowed to 100 ports:
# probe predicts it, and a client asking for 500 connections to one target
# counts EADDRNOTAVAIL and the diagnosis names the range and the remedy.
source "$(dirname "$0")/lib.sh"
if [ "$(id -u)" -ne 0 ] || ! ip netns add "tsw-probe-$$" 2>/dev/null; then
	echo "SKIP: needs root and ip netns"
	exit 0
fi
ip netns del "tsw-probe-$$"
NS=tsw-ports-$$
ip netns add "$NS"
trap 'cleanup; ip netns del "$NS" 2>/dev/null || true' EXIT
in_ns() { ip netns exec "$NS" "$@"; }
in_ns ip link set lo up
in_ns sysctl -qw net.ipv4.ip_local_port_range="40000 40099"
PORT=7000

rc=0
in_ns timeout 10 "$BIN" probe -c 500 "127.0.0.1:$PORT" --source 127.0.0.1 >"$WORK/probe" 2>&1 || rc=$?
cat "$WORK/probe"
[ "$rc" -eq 1 ] || fail "probe should exit 1 (plan cannot fit), got $rc"
grep -q "binds first: ip_local_port_range" "$WORK/probe" || fail "probe did not predict ip_local_port_range"

in_ns timeout 60 "$BIN" server -p $PORT -q --processes 1 -T 20s >"$WORK/server.out" 2>&1 &
SERVER_PID=$!
PIDS+=("$SERVER_PID")
for _ in $(seq 1 100); do in_ns ss -Htln "sport = :$PORT" | grep -q . && break; sleep 0.05; done

rc=0
in_ns timeout 30 "$BIN" client "127.0.0.1:$PORT" -c 500 --source 127.0.0.1 --ignore-plan -T 2s -q \
	--json "$WORK/client.json" >"$WORK/summary" 2>"$WORK/err" || rc=$?
cat "$WORK/err" "$WORK/summary"
[ "$rc" -eq 0 ] || fail "client exited $rc"
C=$WORK/client.json
jq -e '.connections.errors.EADDRNOTAVAIL >= 390 and .connections.established <= 100' "$C" >/dev/null ||
	fail "expected ~400 EADDRNOTAVAIL: $(jq -c .connections "$C")"
jq -e '.diagnosis[0].limit == "ephemeral_ports" and (.diagnosis[0].evidence | test("40000-40099"))
	and (.diagnosis[0].fix | test("source"))' "$C" >/dev/null || fail "diagnosis: $(jq -c .diagnosis "$C")"
kill -INT "$SERVER_PID"
wait "$SERVER_PID" || true
echo "PASS port_exhaustion: $(jq .connections.errors.EADDRNOTAVAIL "$C") EADDRNOTAVAIL"
