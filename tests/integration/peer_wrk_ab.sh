# tcpswarm server -m http against real HTTP load tools: wrk (HTTP/1.1
# keep-alive, 100 connections for 3 s) and ab (HTTP/1.0 with Connection:
# Keep-Alive, 20,000 requests over 50 connections) get only 2xx, no socket
# error, no failed request, and every ab request on a kept-alive connection.
# Both tools' req/s are printed.
source "$(dirname "$0")/peer_lib.sh"
peer_install wrk apache2-utils
peer_cmd wrk >/dev/null
peer_cmd ab >/dev/null

PORT=$(free_port)
start_server "$PORT" -m http --json "$WORK/server.json"

# sanity by hand: N bytes for ?length=N, capped at --max-length (10240)
for n in 0 1 100 10240; do
	http_get "$PORT" "/?length=$n" >"$WORK/get.out" || fail "GET /?length=$n failed"
	[ "$(http_status "$WORK/get.out")" = 200 ] && [ "$(http_body_len "$WORK/get.out")" -eq $n ] ||
		fail "/?length=$n: $(head -c 300 "$WORK/get.out")"
done
http_get "$PORT" "/?length=99999" >"$WORK/get.out" || fail "GET /?length=99999 failed"
[ "$(http_body_len "$WORK/get.out")" -eq 10240 ] || fail "/?length=99999 not capped at 10240: $(head -c 300 "$WORK/get.out")"

# --- wrk ----------------------------------------------------------------------
rc=0
timeout 30 wrk -t2 -c100 -d3s --timeout 2s "http://127.0.0.1:$PORT/?length=100" >"$WORK/wrk.out" 2>&1 || rc=$?
cat "$WORK/wrk.out"
[ "$rc" -eq 0 ] || fail "wrk exited $rc"
! grep -q 'Non-2xx' "$WORK/wrk.out" || fail "wrk saw non-2xx responses: $(grep Non-2xx "$WORK/wrk.out")"
! grep -q 'Socket errors' "$WORK/wrk.out" || fail "wrk saw socket errors: $(grep 'Socket errors' "$WORK/wrk.out")"
wrk_reqs=$(sed -n 's/^ *\([0-9]*\) requests in .*/\1/p' "$WORK/wrk.out")
wrk_rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\)/\1/p' "$WORK/wrk.out")
[ -n "$wrk_reqs" ] && [ "$wrk_reqs" -gt 1000 ] || fail "wrk completed only '${wrk_reqs}' requests"
echo "wrk: $wrk_reqs requests, $wrk_rps req/s"

# --- ab -----------------------------------------------------------------------
rc=0
timeout 60 ab -k -n 20000 -c 50 -s 10 "http://127.0.0.1:$PORT/?length=64" >"$WORK/ab.out" 2>&1 || rc=$?
cat "$WORK/ab.out"
[ "$rc" -eq 0 ] || fail "ab exited $rc"
field() { sed -n "s/^$1: *\([0-9.]*\).*/\1/p" "$WORK/ab.out"; }
[ "$(field 'Complete requests')" = 20000 ] || fail "ab completed $(field 'Complete requests') of 20000"
[ "$(field 'Failed requests')" = 0 ] || fail "ab: failed requests $(field 'Failed requests')"
non2xx=$(field 'Non-2xx responses')
[ -z "$non2xx" ] || [ "$non2xx" = 0 ] || fail "ab: non-2xx responses $non2xx"
[ "$(field 'Keep-Alive requests')" = 20000 ] || fail "ab: keep-alive requests $(field 'Keep-Alive requests'), expected 20000"
[ "$(field 'Document Length')" = 64 ] || fail "ab: document length $(field 'Document Length'), expected 64"
ab_rps=$(field 'Requests per second')
echo "ab: 20000 requests, $ab_rps req/s"

stop_server
S=$WORK/server.json
# the server answered at least every request both tools counted (wrk does not
# count the ones in flight when it stops), all 2xx, and none was malformed
total=$((wrk_reqs + 20000 + 5))
json "$S" ".requests.answered >= $total and .requests.errors == 0" >/dev/null ||
	fail "server counted $(jq -c .requests "$S"), clients at least $total answers and no error"
json "$S" '.requests.by_status == {"2xx": .requests.answered}' >/dev/null ||
	fail "server sent non-2xx: $(jq -c .requests.by_status "$S")"
echo "PASS peer_wrk_ab: wrk $wrk_rps req/s ($wrk_reqs requests), ab -k $ab_rps req/s (20000 requests, all kept alive)"
