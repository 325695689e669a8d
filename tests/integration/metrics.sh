# --metrics on a running server and client (127.0.0.1 only): scraped with
# bash's /dev/tcp during the run, the answers are HTTP/1.0 200 in the
# Prometheus text format that `promtool check metrics` accepts (Debian's
# prometheus package, installed by tools/deps.sh); the figures are the
# run's (20 established, the server accepted 20, counters only grow, the
# histogram is cumulative and ends at its count); other paths and methods
# are refused; an address that cannot be bound exits 2 naming it.
source "$(dirname "$0")/peer_lib.sh"
peer_install prometheus
PROMTOOL=$(peer_cmd promtool)
# promtool must be able to fail, or accepting our text says nothing
printf '# TYPE x counter\nx{le= 1\n' >"$WORK/bad.txt"
! "$PROMTOOL" check metrics <"$WORK/bad.txt" >/dev/null 2>&1 || fail "promtool accepted a broken exposition"

PORT=$(free_port) SM=$(free_port) CM=$(free_port)
start_server "$PORT" --processes 1 --metrics "127.0.0.1:$SM"

# scrape PORT FILE [REQUEST]: the raw answer (head and body) into FILE.
scrape() {
	local req=${3:-GET /metrics HTTP/1.0}
	exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
	printf '%s\r\nHost: 127.0.0.1\r\n\r\n' "$req" >&3
	timeout 5 cat <&3 >"$2"
	exec 3<&-
}
body() { sed '1,/^\r$/d' "$1"; }
value() { body "$1" | awk -v k="$2" '$1 == k { print $2 }'; }

timeout 30 "$BIN" client "127.0.0.1:$PORT" -c 20 -r 2k -T 4s -w 1 -q --metrics "127.0.0.1:$CM" \
	--json "$WORK/client.json" >"$WORK/client.out" 2>"$WORK/client.err" &
CLIENT=$!
PIDS+=("$CLIENT")
# wait until the client listens and has answers, then scrape twice
ok=0
for _ in $(seq 1 100); do
	if scrape "$CM" "$WORK/c1" 2>/dev/null && [ "$(value "$WORK/c1" tcpswarm_requests_answered_total)" -gt 0 ] 2>/dev/null; then
		ok=1
		break
	fi
	kill -0 "$CLIENT" 2>/dev/null || fail "client exited before a scrape: $(cat "$WORK/client.err")"
	sleep 0.1
done
[ $ok = 1 ] || fail "no scrape of the client showed an answered request: $(head -c 600 "$WORK/c1" 2>/dev/null)"
sleep 0.5
scrape "$CM" "$WORK/c2" || fail "second scrape of the client failed"
scrape "$SM" "$WORK/s1" || fail "scrape of the server failed"
scrape "$CM" "$WORK/c404" "GET /nope HTTP/1.0" || fail "scrape of /nope failed"
scrape "$CM" "$WORK/c405" "POST /metrics HTTP/1.0" || fail "POST failed"

for f in c1 c2 s1; do
	head -1 "$WORK/$f" | grep -q '^HTTP/1.0 200 OK' || fail "$f: $(head -1 "$WORK/$f")"
	grep -qi '^Content-Type: text/plain; version=0.0.4' "$WORK/$f" || fail "$f: no exposition content type"
	len=$(grep -i '^Content-Length:' "$WORK/$f" | tr -dc 0-9)
	[ "$len" -eq "$(body "$WORK/$f" | wc -c)" ] || fail "$f: Content-Length $len, body $(body "$WORK/$f" | wc -c)"
	body "$WORK/$f" >"$WORK/$f.txt"
	"$PROMTOOL" check metrics <"$WORK/$f.txt" >"$WORK/$f.lint" 2>&1 || fail "promtool on $f: $(cat "$WORK/$f.lint")"
done
head -1 "$WORK/c404" | grep -q '^HTTP/1.0 404' || fail "/nope: $(head -1 "$WORK/c404")"
head -1 "$WORK/c405" | grep -q '^HTTP/1.0 405' || fail "POST: $(head -1 "$WORK/c405")"

grep -q '^tcpswarm_info{role="client",' "$WORK/c1.txt" || fail "client info line missing"
grep -q '^tcpswarm_info{role="server",' "$WORK/s1.txt" || fail "server info line missing"
[ "$(value "$WORK/c2" tcpswarm_connections_established_total)" -eq 20 ] || fail "client established: $(value "$WORK/c2" tcpswarm_connections_established_total)"
[ "$(value "$WORK/c2" tcpswarm_connections_open)" -eq 20 ] || fail "client open: $(value "$WORK/c2" tcpswarm_connections_open)"
[ "$(value "$WORK/s1" tcpswarm_connections_accepted_total)" -eq 20 ] || fail "server accepted: $(value "$WORK/s1" tcpswarm_connections_accepted_total)"
# 20 connections are no storm (--accept-batch waits for 64 silent ones)
[ "$(value "$WORK/s1" tcpswarm_connections_accept_batched_total)" -eq 0 ] || fail "server accept_batched: $(value "$WORK/s1" tcpswarm_connections_accept_batched_total)"
# the TLS families are there without TLS too, at zero (tls_loopback checks them counting)
grep -q '^tcpswarm_tls_handshakes_total{kind="full"} 0$' "$WORK/c2.txt" &&
	grep -q '^tcpswarm_tls_handshake_failures_total{reason="certificate"} 0$' "$WORK/s1.txt" ||
	fail "TLS families missing: $(grep tls "$WORK/c2.txt" "$WORK/s1.txt")"
for k in tcpswarm_requests_sent_total tcpswarm_requests_answered_total tcpswarm_sent_bytes_total tcpswarm_request_latency_seconds_count; do
	a=$(value "$WORK/c1" $k) b=$(value "$WORK/c2" $k)
	[ "$b" -gt "$a" ] || fail "$k did not grow between scrapes 0.5 s apart: $a then $b"
done
# cumulative buckets, +Inf == _count <= answered
body "$WORK/c2" | awk '
	/^tcpswarm_request_latency_seconds_bucket/ { if ($2 < prev) bad = 1; prev = $2; last = $2 }
	$1 == "tcpswarm_request_latency_seconds_count" { count = $2 }
	$1 == "tcpswarm_requests_answered_total" { answered = $2 }
	END { exit !(!bad && last == count && count > 0 && count <= answered) }' ||
	fail "latency histogram not cumulative to its count: $(grep latency "$WORK/c2.txt" | tail -5)"

rc=0
wait "$CLIENT" || rc=$?
[ "$rc" -eq 0 ] || fail "client exited $rc: $(cat "$WORK/client.err")"
# the thread is gone with the run: the port is free again
! ss -Htln "sport = :$CM" | grep -q . || fail "the client's metrics port still listens after it exited"
stop_server

expect_usage_error "--metrics" client 127.0.0.1:1 --metrics 127.0.0.1
expect_usage_error "--metrics" server --metrics 'localhost'
# a port in use: the run does not start
timeout 20 "$BIN" server -p "$(free_port)" -q -T 10s --metrics "127.0.0.1:$PORT" >/dev/null 2>&1 &
holder=$!
PIDS+=("$holder")
for _ in $(seq 1 100); do
	ss -Htln "sport = :$PORT" | grep -q . && break
	sleep 0.1
done
ss -Htln "sport = :$PORT" | grep -q . || fail "the holder did not listen on its --metrics port"
rc=0
timeout 10 "$BIN" client 127.0.0.1:1 -c 1 -T 1s -q --metrics "127.0.0.1:$PORT" >"$WORK/out" 2>"$WORK/err" || rc=$?
[ "$rc" -eq 2 ] && grep -q "metrics 127.0.0.1:$PORT" "$WORK/err" || fail "a bound port: rc $rc, $(cat "$WORK/err")"
# SIGTERM ends a server with --metrics and worker processes at once: the
# serving thread starts after the fork (a child forked while it held the
# allocator lock hung until the parent killed it, 90 s later, one run in two)
for round in 1 2 3; do
	mp=$(free_port)
	"$BIN" server -p "$(free_port)" -q -T 30s --processes 4 --metrics "127.0.0.1:$mp" >"$WORK/term.out" 2>&1 &
	term=$!
	PIDS+=("$term")
	for _ in $(seq 1 100); do
		ss -Htln "sport = :$mp" | grep -q . && break
		sleep 0.1
	done
	kill -TERM "$term"
	for _ in $(seq 1 50); do
		kill -0 "$term" 2>/dev/null || break
		sleep 0.1
	done
	! kill -0 "$term" 2>/dev/null || fail "round $round: a server with --metrics still runs 5 s after SIGTERM"
	rc=0
	wait "$term" || rc=$?
	[ "$rc" -eq 0 ] || fail "round $round: SIGTERM exit $rc: $(cat "$WORK/term.out")"
done
echo "PASS metrics: client and server scraped during the run, promtool accepts both; 404, 405 and a bound port refused; SIGTERM ends a 4-process server in 3 of 3 rounds"
