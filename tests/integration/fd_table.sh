# Each process sizes its descriptor table for the run before its worker
# threads start: grown one doubling at a time while threads share it, every
# doubling waits for an RCU grace period (expand_fdtable), which stalled a
# 15k connect burst. Seen from outside as FDSize in /proc/PID/status.
source "$(dirname "$0")/lib.sh"
fdsize() { awk '/^FDSize:/ {print $2}' "/proc/$1/status"; }
PORT=$(free_port)
# a server for at most 5000: sized with no connection open yet
start_server "$PORT" --max-conns 5000
SRV=$(pgrep -P "$SERVER_PID" -x tcpswarm) || fail "no tcpswarm under timeout $SERVER_PID"
[ "$(fdsize "$SRV")" -ge 5000 ] || fail "server for 5000 connections: FDSize $(fdsize "$SRV") before any connection"
# a client for 4000 at 200 a second: sized at the start, not as they open
timeout 30 "$BIN" client "127.0.0.1:$PORT" -c 4000 --connect-rate 200 -T 3s -q >/dev/null 2>"$WORK/client.err" &
CLIENT=$!
PIDS+=("$CLIENT")
sleep 0.5
kill -0 "$CLIENT" 2>/dev/null || fail "client ended early: $(cat "$WORK/client.err")"
open=$(ss -Htn state established "( dport = :$PORT )" | wc -l)
CL=$(pgrep -P "$CLIENT" -x tcpswarm) || fail "no tcpswarm under timeout $CLIENT"
size=$(fdsize "$CL")
[ "$open" -lt 1000 ] || fail "the client opened $open in 0.5 s at --connect-rate 200"
[ "$size" -ge 4000 ] || fail "client for 4000 connections with $open open: FDSize $size"
wait "$CLIENT" || fail "client exited $?: $(cat "$WORK/client.err")"
stop_server
echo "PASS fd_table: server FDSize >= 5000 with none open, client $size with $open open"
