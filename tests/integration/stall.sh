# Proof of the correction: a server that stops serving for 300 ms every
# second (--stall-every 1s --stall-for 300ms). Latency from the intended
# send time shows the stall, the open-loop schedule keeps going (sent within
# 2% of intended), and service time (from the actual send) tells the two
# cases apart:
#  - echo: frames are pipelined, so they still leave on time (send lag far
#    below the stall) and the wait is the server's: service time shows it too;
#  - http (one request in flight per connection): requests due during the
#    stall leave after it, late, so their service time hides it.
# (In the http case the one request per connection in flight across a stall
# is the only one that waits in service; the generator's own send lag, that
# of requests free to leave, stays small: the wait was the server's, and a
# generator finding on a busy host must say that the server bound the run,
# unless other work starved the client for as long as the stall itself.)
# Bounds are halves of the stall, and the service bound rests on a count:
# at most one request per connection waits across each stall (10 x 5 of
# about 8,000, 0.6%, below the 1% a p99 ignores); nothing here is timed
# finer than that on a loaded machine.
source "$(dirname "$0")/lib.sh"

# the knob is given whole: both options, the stall shorter than its period
for bad in "--stall-for 300ms" "--stall-every 1s" "--stall-every 1s --stall-for 1s"; do
	rc=0
	# shellcheck disable=SC2086
	"$BIN" server -p 1 $bad >"$WORK/bad.out" 2>&1 || rc=$?
	[ "$rc" -eq 2 ] || fail "server $bad: exit $rc, want 2"
	grep -q "option --stall-every and --stall-for\|options --stall-every and --stall-for" "$WORK/bad.out" ||
		fail "server $bad: $(cat "$WORK/bad.out")"
done

# run_case NAME SERVER_MODE CLIENT_ARGS...: one stalled server, one client run
run_case() {
	local name=$1 mode=$2
	shift 2
	PORT=$(free_port)
	start_server "$PORT" --mode "$mode" -w 1 --processes 1 --stall-every 1s --stall-for 300ms
	local rc=0
	timeout 60 "$BIN" client "127.0.0.1:$PORT" -c 10 -r 2k -T 4s -q "$@" --json "$WORK/$name.json" \
		>"$WORK/$name.summary" 2>&1 || rc=$?
	cat "$WORK/$name.summary"
	[ "$rc" -eq 0 ] || fail "$name: client exited $rc"
	stop_server
}

figures() { jq -c '{intended: .requests.intended, sent: .requests.sent, lat_p99: .latency_us.p99,
	svc_p99: .service_us.p99, lag_p99: .send_lag_us.p99, own_lag_p99: .own_send_lag_us.p99, generator_bound,
	host_cpu}' "$1"; }

run_case echo echo
E=$WORK/echo.json
json "$E" '.requests.sent * 100 >= .requests.intended * 98' >/dev/null ||
	fail "echo: the schedule stalled with the server: $(figures "$E")"
json "$E" '.latency_us.p99 >= 150000' >/dev/null || fail "echo: latency p99 hides the stall: $(figures "$E")"
# frames left on time, or the run says it could not send them on time (a host
# starved by other work can hold the client back for seconds)
json "$E" '.send_lag_us.count > 0 and (.send_lag_us.p99 < 150000 or .generator_bound)' >/dev/null ||
	fail "echo: frames left late and the run did not say so: $(figures "$E")"
json "$E" '.service_us.count == .latency_us.count and .service_us.p99 >= 150000' >/dev/null ||
	fail "echo: service time should show the server's own stall: $(figures "$E")"
grep -q "^  service " "$WORK/echo.summary" || fail "summary lacks the service line"
grep -q "^  send lag " "$WORK/echo.summary" || fail "summary lacks the send lag line"

run_case http http --proto http --length 16
H=$WORK/http.json
# one request in flight per connection: what falls due during a stall leaves
# after it, except in a stall that overlaps the end of the run, whose due
# requests (10 connections x 200/s x 0.3 s = 600) are never sent
json "$H" '.requests.intended - .requests.sent <= 720 and .requests.answered == .requests.sent' >/dev/null ||
	fail "http: the schedule did not catch up after a stall: $(figures "$H")"
json "$H" '.own_send_lag_us.p99 < 150000 or .host_cpu >= 0.9' >/dev/null ||
	fail "http: the wait for the window was charged to the generator: $(figures "$H")"
json "$H" '.own_send_lag_us.p99 as $own | [.diagnosis[] | select(.limit == "generator")] |
	all(.evidence | test("the server bound the run")) or $own >= 100000' \
	>/dev/null || fail "http: the server's stall was blamed on the generator: $(jq -c .diagnosis "$H")"
json "$H" '.latency_us.p99 >= 150000' >/dev/null || fail "http: latency p99 hides the stall: $(figures "$H")"
json "$H" '.service_us.p99 * 2 < .latency_us.p99' >/dev/null ||
	fail "http: service p99 should sit well below latency p99: $(figures "$H")"
json "$H" '.send_lag_us.p99 >= 100000' >/dev/null || fail "http: the late requests show no send lag: $(figures "$H")"
# the requests the stall held back waited far longer than the client's own
# lateness: a server finding, when there is one, ranks first
json "$H" '[.diagnosis[].limit] | index("server_throughput") == null or .[0] == "server_throughput"' >/dev/null ||
	fail "http: the server's shortfall ranked below the client: $(jq -c '[.diagnosis[].limit]' "$H")"
echo "PASS stall: echo $(figures "$E"); http $(figures "$H")"
