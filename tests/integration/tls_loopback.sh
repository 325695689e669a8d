# TLS end to end on loopback (issue 14): the tcpswarm server with a
# certificate in every mode against the client with --tls (echo, raw into
# sink, http as HTTPS, dns as DNS over TLS): every request sent is answered,
# the handshakes are counted on both sides and timed on the client. Then a
# client verifying against another CA counts certificate failures and
# answers nothing; --tls-resume under churn resumes; https:// implies --tls.
source "$(dirname "$0")/lib.sh"
command -v openssl >/dev/null || fail "openssl is needed (tools/deps.sh)"
help=$("$BIN" client --help)
grep -q -- "--tls " <<<"$help" || fail "client --help has no --tls"
grep -q "system's CA store" <<<"$help" || fail "client --help does not say what --tls verifies against"

mkcert() { # mkcert NAME CN: NAME.pem and NAME.key, self-signed, for localhost and 127.0.0.1
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/$1.key" -out "$WORK/$1.pem" -days 2 -subj "/CN=$2" \
		-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null || fail "openssl req failed"
}
mkcert srv localhost
mkcert other other

PORT=$(free_port)
TLS_SRV=(--tls-cert "$WORK/srv.pem" --tls-key "$WORK/srv.key")

# run_mode MODE CLIENT_ARGS...: one server mode, one client run; the two JSONs stay
run_mode() {
	local mode=$1
	shift
	start_server "$PORT" -w 1 --processes 1 -m "$mode" "${TLS_SRV[@]}" --json "$WORK/s-$mode.json"
	local rc=0
	timeout 60 "$BIN" client "127.0.0.1:$PORT" -w 1 --tls --ca "$WORK/srv.pem" -c 8 -r 160 -T 3s --drain 3s -q \
		--max-send-lag 10s --json "$WORK/c-$mode.json" "$@" >"$WORK/c-$mode.out" 2>&1 || rc=$?
	cat "$WORK/c-$mode.out"
	stop_server
	[ "$rc" -eq 0 ] || fail "$mode: client exited $rc"
	local C=$WORK/c-$mode.json S=$WORK/s-$mode.json
	json "$C" '.connections.established == 8 and .connections.failed == 0 and .connections.tls.handshakes_full +
		.connections.tls.handshakes_resumed == 8 and .connections.handshake_us.count == 8 and
		.connections.handshake_us.p50 > 0' >/dev/null || fail "$mode: handshakes $(jq -c .connections "$C")"
	json "$S" '.connections.tls.handshakes_full + .connections.tls.handshakes_resumed == 8' >/dev/null ||
		fail "$mode: the server counted $(jq -c .connections.tls "$S")"
	json "$C" '.requests.sent > 200 and .requests.errors == 0 and .requests.lost == 0' >/dev/null ||
		fail "$mode: $(jq -c .requests "$C")"
	grep -q "^tls            handshakes" "$WORK/c-$mode.out" || fail "$mode: no tls line in the summary"
	grep -q "^  handshake    p50" "$WORK/c-$mode.out" || fail "$mode: no handshake line in the summary"
}

run_mode echo
# the handshake buckets are in the report, and merge adds them up exactly (the report twice: twice each count)
json "$WORK/c-echo.json" '([.connections.handshake_us.histogram[][1]] | add) == 8' >/dev/null ||
	fail "echo: handshake_us.histogram: $(jq -c .connections.handshake_us "$WORK/c-echo.json")"
"$BIN" merge "$WORK/c-echo.json" "$WORK/c-echo.json" -o "$WORK/c-echo2.json" || fail "merge of TLS reports exited $?"
jq -e --slurpfile one "$WORK/c-echo.json" '.connections.handshake_us.count == 16 and
	.connections.handshake_us.p99 == $one[0].connections.handshake_us.p99 and
	.connections.tls.handshakes_full + .connections.tls.handshakes_resumed == 16' "$WORK/c-echo2.json" >/dev/null ||
	fail "merged TLS: $(jq -c '.connections | {tls, handshake_us}' "$WORK/c-echo2.json")"
json "$WORK/c-echo.json" '.requests.answered == .requests.sent' >/dev/null || fail "echo: answered != sent"
json "$WORK/s-echo.json" ".requests.bytes_in == $(jq .requests.bytes_out "$WORK/c-echo.json")" >/dev/null ||
	fail "echo: the server read other than the client wrote"
run_mode sink --proto raw -m 'hello over tls\n' --reply none
json "$WORK/s-sink.json" ".requests.bytes_in == $(jq .requests.bytes_out "$WORK/c-sink.json") and
	.requests.bytes_in == 15 * $(jq .requests.sent "$WORK/c-sink.json")" >/dev/null ||
	fail "sink: the server read $(jq .requests.bytes_in "$WORK/s-sink.json") bytes"
run_mode http --proto http --length 100-3000
json "$WORK/c-http.json" '.requests.answered == .requests.sent' >/dev/null || fail "http: answered != sent"
json "$WORK/s-http.json" ".requests.answered == $(jq .requests.answered "$WORK/c-http.json")" >/dev/null ||
	fail "http: the server answered $(jq .requests.answered "$WORK/s-http.json")"
run_mode dns --proto dns --qname example.com
json "$WORK/c-dns.json" '.requests.answered == .requests.sent' >/dev/null || fail "dns: answered != sent"
json "$WORK/s-dns.json" ".requests.answered == $(jq .requests.answered "$WORK/c-dns.json")" >/dev/null ||
	fail "dns: the server answered $(jq .requests.answered "$WORK/s-dns.json")"

# wrong certificate: verified against another CA, every handshake fails on it
start_server "$PORT" -w 1 --processes 1 "${TLS_SRV[@]}" --json "$WORK/s-bad.json"
rc=0
timeout 30 "$BIN" client "127.0.0.1:$PORT" -w 1 --tls --ca "$WORK/other.pem" -c 4 -r 40 -T 2s -q \
	--json "$WORK/c-bad.json" >"$WORK/c-bad.out" 2>&1 || rc=$?
stop_server
[ "$rc" -ne 0 ] || fail "a client whose every handshake failed exited 0"
json "$WORK/c-bad.json" '.connections.tls.failed.certificate >= 4 and .connections.established == 0 and
	.requests.answered == 0 and .connections.closed_by.tls_certificate >= 4' >/dev/null ||
	fail "wrong CA: $(jq -c .connections "$WORK/c-bad.json")"
grep -q "failed [0-9]* (certificate [1-9]" "$WORK/c-bad.out" || fail "wrong CA: summary: $(grep tls "$WORK/c-bad.out")"

# churn with --tls-resume: reconnects resume the worker's session; https:// implies --tls.
# The client's live lines (not a tty: every field) carry its handshakes each
# second; the server's --metrics, scraped after the client, its TLS counters.
MPORT=$(free_port)
start_server "$PORT" -w 1 --processes 1 -m http "${TLS_SRV[@]}" --json "$WORK/s-res.json" --metrics "127.0.0.1:$MPORT"
rc=0
timeout 30 "$BIN" client "https://127.0.0.1:$PORT/" -w 1 --ca "$WORK/srv.pem" --tls-resume -c 4 -r 80 -T 3s \
	--conn-requests 5 --max-send-lag 10s --json "$WORK/c-res.json" >"$WORK/c-res.out" 2>"$WORK/c-res.live" || rc=$?
exec 3<>"/dev/tcp/127.0.0.1/$MPORT" || fail "no server --metrics on $MPORT"
printf 'GET /metrics HTTP/1.0\r\n\r\n' >&3
timeout 5 cat <&3 >"$WORK/s-res.metrics"
exec 3<&-
stop_server
[ "$rc" -eq 0 ] || fail "https with --tls-resume: client exited $rc: $(cat "$WORK/c-res.out")"
json "$WORK/c-res.json" '.connections.tls.handshakes_resumed >= 4 and .requests.answered > 0 and
	.requests.errors == 0' >/dev/null || fail "resume: $(jq -c .connections.tls "$WORK/c-res.json")"
json "$WORK/s-res.json" '.connections.tls.handshakes_resumed >= 4' >/dev/null ||
	fail "resume: the server counted $(jq -c .connections.tls "$WORK/s-res.json")"
live_res=$(awk '/^ *[0-9]+s/ && match($0, /tls full [0-9]+\/s resumed [0-9]+\/s failed [0-9]+\/s/) {
	split(substr($0, RSTART, RLENGTH), f, /[ \/]+/); r += f[6]; n++ } END { print n + 0, r + 0 }' "$WORK/c-res.live")
[ "${live_res%% *}" -ge 2 ] && [ "${live_res##* }" -ge 1 ] ||
	fail "resume: live lines without their handshakes ($live_res: lines, resumed): $(cat "$WORK/c-res.live")"
mres=$(awk '$1 == "tcpswarm_tls_handshakes_total{kind=\"resumed\"}" { print $2 }' "$WORK/s-res.metrics")
mfull=$(awk '$1 == "tcpswarm_tls_handshakes_total{kind=\"full\"}" { print $2 }' "$WORK/s-res.metrics")
[ "$mres" = "$(jq .connections.tls.handshakes_resumed "$WORK/s-res.json")" ] &&
	[ "$mfull" = "$(jq .connections.tls.handshakes_full "$WORK/s-res.json")" ] &&
	grep -q '^tcpswarm_tls_handshake_failures_total{reason="certificate"} 0' "$WORK/s-res.metrics" ||
	fail "server --metrics TLS counters (full $mfull, resumed $mres) are not its JSON's: $(grep tls "$WORK/s-res.metrics")"
echo "PASS tls_loopback: echo, sink, http, dns over TLS; wrong CA counted; resumed $(jq .connections.tls.handshakes_resumed "$WORK/c-res.json")"
