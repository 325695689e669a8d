# Churn on purpose against the tcpswarm echo server: --conn-requests 10 and
# --conn-lifetime 100ms-200ms close connections ourselves (only when nothing
# is in flight: answered == sent) and reopen them (counted); with --close fin
# each churned close leaves a TIME-WAIT socket here, with --close rst none.
source "$(dirname "$0")/lib.sh"
PORT=$(free_port)
start_server "$PORT" -w 1 --processes 1
tw() { ss -Htan state time-wait "( dport = :$PORT )" | wc -l; }

tw0=$(tw)
rc=0
timeout 30 "$BIN" client "127.0.0.1:$PORT" -c 10 -r 1k -T 2s -q -w 1 --conn-requests 10 --json "$WORK/req.json" \
	>"$WORK/req.out" 2>&1 || rc=$?
cat "$WORK/req.out"
tw1=$(tw)
C=$WORK/req.json
[ "$rc" -eq 0 ] || fail "--conn-requests run exited $rc"
json "$C" '.requests.answered == .requests.sent and .requests.lost == 0 and .requests.errors == 0' >/dev/null ||
	fail "our own closes lost requests: $(jq -c .requests "$C")"
answered=$(jq .requests.answered "$C")
done_=$(jq '.connections.closed_by.requests_done // 0' "$C")
reopened=$(jq .connections.reopened "$C")
# a connection closes once 10 are answered and none is in flight: 10 each at 100/s per connection
[ "$done_" -le $((answered / 10)) ] && [ "$done_" -ge $((answered / 12 - 10)) ] ||
	fail "requests_done $done_ for $answered answers"
[ "$reopened" -le "$done_" ] && [ "$reopened" -ge $((done_ - 10)) ] || fail "reopened $reopened, requests_done $done_"
[ "$done_" -ge 100 ] || fail "only $done_ churned closes"
# fin: the client closed first, so each churned connection left a TIME-WAIT here
[ $((tw1 - tw0)) -ge $((done_ / 2)) ] || fail "--close fin: TIME-WAIT grew by $((tw1 - tw0)) for $done_ closes"
grep -q "under churn" "$WORK/req.out" || fail "summary lacks the connect rate under churn"

tw0=$(tw)
rc=0
timeout 30 "$BIN" client "127.0.0.1:$PORT" -c 10 -r 1k -T 2s -q -w 1 --conn-lifetime 100ms-200ms --close rst \
	--json "$WORK/life.json" >"$WORK/life.out" 2>&1 || rc=$?
cat "$WORK/life.out"
tw1=$(tw)
C=$WORK/life.json
[ "$rc" -eq 0 ] || fail "--conn-lifetime run exited $rc"
json "$C" '.requests.answered == .requests.sent and .requests.lost == 0 and .requests.errors == 0' >/dev/null ||
	fail "our own closes lost requests: $(jq -c .requests "$C")"
life=$(jq '.connections.closed_by.lifetime // 0' "$C")
reopened=$(jq .connections.reopened "$C")
# 10 connections x 2 s / 100-200 ms = 100-200 lifetimes (less the connect time)
[ "$life" -ge 70 ] && [ "$life" -le 210 ] || fail "$life lifetimes ended in 2 s of 100-200 ms lifetimes"
[ "$reopened" -le "$life" ] && [ "$reopened" -ge $((life - 10)) ] || fail "reopened $reopened, lifetime $life"
[ $((tw1 - tw0)) -le 5 ] || fail "--close rst: TIME-WAIT grew by $((tw1 - tw0)) for $life closes"
json "$C" '.config.close == "rst"' >/dev/null || fail "config.close"
stop_server
echo "PASS churn: requests_done $done_, lifetime $life (rst: TIME-WAIT +$((tw1 - tw0)))"
