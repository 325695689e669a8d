# tcpswarm client --proto http against a real web server: nginx, in the
# foreground on a free 127.0.0.1 port, serving GET /?length=N as exactly N
# bytes (static files chosen by try_files, 1 <= N <= 2048). Two runs on
# keep-alive connections: 1,000 closed-loop users with think times, then 100
# connections open loop at 2k/s. Every connection established, only 2xx,
# every body of the length asked, no errors; nginx's access log agrees.
source "$(dirname "$0")/peer_lib.sh"
peer_install_any nginx nginx-light nginx

MAXLEN=2048
PORT=$(free_port)
start_nginx "$PORT" $MAXLEN

# the peer itself serves as configured (so a failure below is tcpswarm's)
for n in 1 100 $MAXLEN; do
	http_get "$PORT" "/?length=$n" >"$WORK/get.out" || fail "GET /?length=$n from nginx failed"
	[ "$(http_status "$WORK/get.out")" = 200 ] && [ "$(http_body_len "$WORK/get.out")" -eq $n ] ||
		fail "nginx: /?length=$n: $(head -c 300 "$WORK/get.out")"
done
http_get "$PORT" "/?length=$((MAXLEN + 1))" >"$WORK/get.out" || fail "GET beyond $MAXLEN failed"
[ "$(http_status "$WORK/get.out")" = 404 ] || fail "nginx: /?length=$((MAXLEN + 1)) not 404"

# check_run JSON CONNS: the invariants of a clean HTTP run; sets ANSWERED
check_run() {
	local c=$1 n=$2
	json "$c" ".connections.established == $n and .connections.failed == 0 and .connections.peak_open == $n" \
		>/dev/null || fail "not every connection established/held: $(jq -c '.connections | del(.connect_latency_us)' "$c")"
	json "$c" ".connections.closed_by == {\"run_end\": $n} and (.connections.errors | length) == 0" >/dev/null ||
		fail "connections closed early: $(jq -c '.connections | del(.connect_latency_us)' "$c")"
	json "$c" '.requests.errors == 0 and .requests.lost == 0 and .requests.bad_length == 0' >/dev/null ||
		fail "errors, losses or bodies of the wrong length: $(jq -c .requests "$c")"
	ANSWERED=$(jq .requests.answered "$c")
	[ "$ANSWERED" -gt 0 ] || fail "nothing answered: $(jq -c .requests "$c")"
	json "$c" ".requests.answered == .requests.sent" >/dev/null || fail "answered != sent: $(jq -c .requests "$c")"
	json "$c" ".requests.by_status[\"2xx\"] == $ANSWERED and ([.requests.by_status[]] | add) == $ANSWERED" \
		>/dev/null || fail "not only 2xx: $(jq -c .requests.by_status "$c")"
}

# --- 1,000 users, think 200 ms - 1 s between answer and next request ---------
N=1000
rc=0
timeout 30 "$BIN" client --proto http "127.0.0.1:$PORT" -c $N --length 1-$MAXLEN --think 200ms-1s -T 5s -q \
	--json "$WORK/think.json" --rtt-log "$WORK/rtt.csv" >"$WORK/summary" 2>"$WORK/client.err" || rc=$?
cat "$WORK/summary"
[ "$rc" -eq 0 ] || fail "think run: client exited $rc: $(cat "$WORK/client.err")"
check_run "$WORK/think.json" $N
think_answered=$ANSWERED
# each user asks at most once per 200 ms and at least once per 1 s + latency
[ "$think_answered" -le $((N * (5000 / 200 + 1))) ] || fail "$think_answered answers: think time below 200 ms"
[ "$think_answered" -ge $((N * 3)) ] || fail "only $think_answered answers: think time above 1 s"
# the RTT log: a header, then one line per answer (minus those it dropped),
# each from a connection of this run with a latency above zero
[ "$(head -n 1 "$WORK/rtt.csv")" = "time_us,conn,req,latency_us" ] || fail "rtt log header: $(head -n 1 "$WORK/rtt.csv")"
rtt_lines=$(tail -n +2 "$WORK/rtt.csv" | awk -F, -v n=$N 'NF == 4 && $2 < n && $4 > 0' | wc -l)
dropped=$(jq .requests.rtt_log_dropped "$WORK/think.json")
json "$WORK/think.json" ".requests.rtt_log_lines == $rtt_lines" >/dev/null ||
	fail "rtt log has $rtt_lines good lines, the JSON says $(jq .requests.rtt_log_lines "$WORK/think.json")"
[ $((rtt_lines + dropped)) -eq "$think_answered" ] ||
	fail "rtt log has $rtt_lines lines (+$dropped dropped), $think_answered answered"
echo "ok: think run: $think_answered answers, rtt log $rtt_lines lines"

# --- 100 connections, open loop 2k/s ------------------------------------------
N=100
rc=0
timeout 30 "$BIN" client --proto http "127.0.0.1:$PORT" -c $N --length 1-$MAXLEN -r 2k -T 3s -q \
	--json "$WORK/rate.json" >"$WORK/summary" 2>"$WORK/client.err" || rc=$?
cat "$WORK/summary"
[ "$rc" -eq 0 ] || fail "rate run: client exited $rc: $(cat "$WORK/client.err")"
check_run "$WORK/rate.json" $N
rate_answered=$ANSWERED
intended=$(jq .requests.intended "$WORK/rate.json")
[ "$intended" -ge 4000 ] || fail "only $intended requests intended at 2k/s for 3 s"
[ $((rate_answered * 100)) -ge $((intended * 80)) ] || fail "answered $rate_answered of $intended intended (< 80%)"

# --- nginx's side: every request it logged was a GET /?length=N in range, 200,
# with N body bytes, and it logged as many as the client counted answers
stop_peer nginx "$NGINX_PID"
log=$WORK/nginx/access.log
total=$((think_answered + rate_answered))
logged=$(($(wc -l <"$log") - 4)) # minus the 4 sanity GETs above
[ "$logged" -eq "$total" ] || fail "nginx logged $logged requests, the client counted $total answers"
bad=$(tail -n +5 "$log" | awk '{
	split($7, a, "length="); n = a[2] + 0
	if ($6 != "\"GET" || $7 !~ /^\/\?length=[0-9]+$/ || $9 != 200 || $10 != n || n < 1 || n > '$MAXLEN') print
}' | head -n 3)
[ -z "$bad" ] || fail "nginx logged unexpected requests: $bad"
distinct=$(tail -n +5 "$log" | awk '{print $7}' | sort -u | wc -l)
[ "$distinct" -ge 1000 ] || fail "only $distinct distinct lengths asked in $total requests over 1-$MAXLEN"
echo "PASS peer_nginx: think run $think_answered, rate run $rate_answered answered by nginx (all 2xx, lengths exact, $distinct distinct)"
