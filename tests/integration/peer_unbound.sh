# tcpswarm client --proto dns against a real resolver: unbound, in the
# foreground on a free 127.0.0.1 port, answering example.com A from a static
# local zone. 500 connections held for the whole run at 2k queries/s: every
# connection established, every query sent answered with NOERROR, no errors,
# and unbound's own query log counts the same number of queries.
source "$(dirname "$0")/peer_lib.sh"
peer_install unbound
peer_install_any dig dnsutils bind9-dnsutils

PORT=$(free_port)
start_unbound "$PORT" "log-queries: yes"

# the peer itself answers as configured (so a failure below is tcpswarm's)
dig_tcp "$PORT" example.com A >"$WORK/dig.out" 2>&1 || fail "dig against unbound: $(cat "$WORK/dig.out")"
[ "$(dig_status "$WORK/dig.out")" = NOERROR ] && [ "$(dig_answers "$WORK/dig.out" A)" = 127.0.0.7 ] ||
	fail "unbound does not answer example.com A 127.0.0.7: $(cat "$WORK/dig.out")"

N=500
rc=0
timeout 30 "$BIN" client --proto dns --qname example.com --qtype A "127.0.0.1:$PORT" \
	-c $N -r 2k -T 3s -q --json "$WORK/client.json" \
	>"$WORK/summary" 2>"$WORK/client.err" || rc=$?
cat "$WORK/summary"
[ "$rc" -eq 0 ] || fail "client exited $rc: $(cat "$WORK/client.err")"

C=$WORK/client.json
json "$C" ".connections.established == $N and .connections.failed == 0" >/dev/null ||
	fail "not every connection established: $(jq -c .connections "$C")"
json "$C" '.requests.errors == 0 and .requests.lost == 0' >/dev/null || fail "errors or lost queries: $(jq -c .requests "$C")"
intended=$(jq .requests.intended "$C")
sent=$(jq .requests.sent "$C")
answered=$(jq .requests.answered "$C")
[ "$sent" -gt 0 ] || fail "no query sent: $(jq -c .requests "$C")"
[ "$answered" -eq "$sent" ] || fail "answered $answered of $sent sent: $(jq -c .requests "$C")"
[ $((sent * 100)) -ge $((intended * 80)) ] || fail "sent $sent of $intended intended (< 80%: unbound or the client stalled)"
[ "$intended" -ge 4000 ] || fail "only $intended queries intended at 2k/s for 3 s"
json "$C" ".requests.by_rcode.NOERROR == $answered and (.requests.by_rcode | add) == $answered" >/dev/null ||
	fail "not every answer NOERROR: $(jq -c .requests.by_rcode "$C")"

# unbound closed no connection early (its idle timeout, a full TCP table):
# all of them were still open when the run ended and were closed by us then
json "$C" ".connections.peak_open == $N and .connections.closed_by == {\"run_end\": $N} and (.connections.errors | length) == 0" \
	>/dev/null || fail "connections not held to the end: $(jq -c '.connections | del(.connect_latency_us)' "$C")"

stop_peer unbound "$UNBOUND_PID"
logged=$(grep -c ' example\.com\. A IN$' "$WORK/unbound/unbound.log" || true)
# +1: the dig query above
[ "$logged" -eq $((sent + 1)) ] || fail "unbound logged $logged queries, the client sent $sent (+1 dig)"
echo "PASS peer_unbound: $N connections to unbound, $answered of $sent queries answered NOERROR ($intended intended)"
