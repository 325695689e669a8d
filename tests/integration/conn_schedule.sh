# --conn-schedule over loopback (issue 16): the open connections follow a
# schedule second by second (a ramp up at --connect-rate, a hold, a fall by
# our own closes), -c defaults to its peak, the falls are counted as closed
# by the schedule (not errors), --shard runs its part, and the refusals.
source "$(dirname "$0")/lib.sh"
PORT=$(free_port)
start_server "$PORT"

# near A B: |A - B| within 10% of B or 5 connections, whichever is larger
near() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; m = b / 10; if (m < 5) m = 5; exit !(d <= m) }'; }

# check_open JSON WHAT: every second's open count near its conns_intended
check_open() {
	local json=$1 what=$2 n i open want
	n=$(jq '.series | length' "$json")
	[ "$n" -ge 4 ] || fail "$what: only $n seconds in the series: $(jq -c .series "$json")"
	for i in $(seq 0 $((n - 1))); do
		open=$(jq ".series[$i].open" "$json")
		want=$(jq ".series[$i].conns_intended" "$json")
		near "$open" "$want" ||
			fail "$what: second $((i + 1)) open $open, intended $want: $(jq -c '[.series[] | [.t, .conns_intended, .open]]' "$json")"
		echo "  $what second $((i + 1)): intended $want open $open"
	done
}

# 1. up to 200 in 2 s, hold, down to 50; -r 1000 with all 200 open
C=$WORK/sched.json
timeout 30 "$BIN" client "127.0.0.1:$PORT" --conn-schedule 0s:0,2s:200,3s:200,4s:50 -r 1000 -q \
	--max-send-lag 50ms --json "$C" --csv "$WORK/sched.csv" >"$WORK/c.out" 2>"$WORK/c.err" || fail "client exited $?: $(cat "$WORK/c.err")"
json "$C" '.config.connections == 200' >/dev/null || fail "-c not the schedule's peak: $(jq .config.connections "$C")"
json "$C" '.config.duration_us == 4000000' >/dev/null || fail "-T not the schedule's length: $(jq .config.duration_us "$C")"
json "$C" '[.series[].conns_intended] == [100, 200, 200, 50]' >/dev/null ||
	fail "conns_intended: $(jq -c '[.series[].conns_intended]' "$C")"
check_open "$C" sched
# --csv: conns_intended is the last column, the JSON series' numbers
head -n 1 "$WORK/sched.csv" | grep -q ',epoch_s,conns_intended$' || fail "CSV header: $(head -n 1 "$WORK/sched.csv")"
[ "$(tail -n +2 "$WORK/sched.csv" | cut -d, -f25 | paste -sd,)" = "100,200,200,50" ] ||
	fail "CSV conns_intended: $(tail -n +2 "$WORK/sched.csv" | cut -d, -f25 | paste -sd,)"
last=$(jq '.series[-1].open' "$C")
near "$last" 50 || fail "ended with $last open, the schedule ends at 50"
closed=$(jq '.connections.closed_by.schedule // 0' "$C")
near "$closed" 150 || fail "closed by the schedule: $closed, expected about 150: $(jq -c .connections.closed_by "$C")"
json "$C" '.connections.failed == 0 and .requests.errors == 0 and .requests.lost == 0 and .requests.not_sent_down == 0' >/dev/null ||
	fail "schedule closes counted as errors: $(jq -c '[.connections, .requests]' "$C")"
 # -r is the rate with all -c open: each connection sends 1000/200 a second,
# so the run intends 5 x the connection-seconds the schedule holds (525)
intended=$(jq .requests.intended "$C")
awk -v a="$intended" 'BEGIN { exit !(a >= 2625 * 0.97 && a <= 2625 * 1.03) }' ||
	fail "intended $intended requests, the schedule's connection-seconds x -r/-c is 2625"
grep -q 'schedule' "$WORK/c.out" || fail "the summary does not show the schedule's closes: $(cat "$WORK/c.out")"

# 2. --shard 1/2 runs half of the schedule: 100 at its peak
C=$WORK/shard.json
timeout 30 "$BIN" client "127.0.0.1:$PORT" --conn-schedule 0s:0,2s:200,3s:200,4s:50 --shard 1/2 -q \
	--json "$C" >"$WORK/s.out" 2>"$WORK/s.err" || fail "shard client exited $?: $(cat "$WORK/s.err")"
json "$C" '[.series[].conns_intended] == [50, 100, 100, 25]' >/dev/null ||
	fail "shard conns_intended: $(jq -c '[.series[].conns_intended]' "$C")"
check_open "$C" shard

# 2b. --rate-schedule with --shard 1/2: half the schedule's rate (as -r is
# split): its points and -r exactly, the requests within 10% (the connects
# and each connection's random first phase take a little off the start)
C=$WORK/rshard.json
timeout 30 "$BIN" client "127.0.0.1:$PORT" -c 20 --rate-schedule 0s:400,1s:800,4s:800 --shard 1/2 -q --max-send-lag 50ms \
	--json "$C" >"$WORK/r.out" 2>"$WORK/r.err" || fail "rate shard client exited $?: $(cat "$WORK/r.err")"
json "$C" '.config.rate_schedule == [{"t_s":0,"rate":200},{"t_s":1,"rate":400},{"t_s":4,"rate":400}]' >/dev/null ||
	fail "shard 1/2 rate_schedule: $(jq -c .config.rate_schedule "$C")"
json "$C" '.config.rate == 375' >/dev/null || fail "shard 1/2 -r (the mean): $(jq .config.rate "$C")"
intended=$(jq .requests.intended "$C")
awk -v a="$intended" 'BEGIN { exit !(a >= 1500 * 0.9 && a <= 1500 * 1.01) }' ||
	fail "shard 1/2 of 3000 requests intended $intended, expected 1500"

# 3. refusals: -c below the peak, --reconnect off
expect_usage_error "below the --conn-schedule peak 200" client "127.0.0.1:$PORT" -c 100 --conn-schedule 0s:0,2s:200
expect_usage_error "--reconnect off" client "127.0.0.1:$PORT" --conn-schedule 0s:10 --reconnect off
expect_usage_error "option --conn-schedule" client "127.0.0.1:$PORT" --conn-schedule 0s:0,2s:0
expect_usage_error "column 4" client "127.0.0.1:$PORT" --conn-schedule 0s:x
stop_server
echo "conn_schedule: ok"
