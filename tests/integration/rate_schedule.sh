# --rate-schedule and --schedule-file over loopback (issue 16): the answered
# rate follows a ramp second by second, a classic tcpclient steps file drives
# two rate steps that show in the series, and malformed schedules exit 2
# naming the line and column.
source "$(dirname "$0")/lib.sh"
PORT=$(free_port)
start_server "$PORT"

# within PCT percent: within A B PCT
within() { awk -v a="$1" -v b="$2" -v p="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(b > 0 && d * 100 <= p * b) }'; }

# per-second answered against the schedule's intended count: seconds 2..N-1
# within 2%; the first and last within 10%: the first second holds the
# connects (a connection's schedule starts when it opens, and the ASan build
# on a busy host takes tens of ms: measured 287 of 300), and in the last,
# replies still in flight when the load ends land in the drain, after the
# last sample. 0, or 1 with the reason in BAD.
check_series() {
	local json=$1 what=$2 n i a want pct
	BAD=""
	n=$(jq '.series | length' "$json")
	[ "$n" -ge 4 ] || { BAD="$what: only $n seconds in the series"; return 1; }
	for i in $(seq 0 $((n - 1))); do
		a=$(jq ".series[$i].answered" "$json")
		want=$(jq ".series[$i].intended" "$json")
		pct=2
		{ [ "$i" -eq 0 ] || [ "$i" -eq $((n - 1)) ]; } && pct=10
		if ! within "$a" "$want" "$pct"; then
			BAD="$what: second $((i + 1)) answered $a, the schedule intended $want (over ${pct}% off): $(jq -c '[.series[] | [.t, .intended, .answered, .generator_bound]]' "$json")"
			return 1
		fi
		echo "  $what second $((i + 1)): intended $want answered $a"
	done
}

# run_checked WHAT JSON CHECK CMD...: runs the client (CMD, stdin from $IN) up to
# three times; a miss in all three fails. A shared 2-CPU host stalls client
# or server now and then, which then catch up a second late (measured 781
# then 2055 answered against 1500 and 1500 under a load average of 5), while a
# wrong schedule misses every time. CHECK is a function.
run_checked() {
	local what=$1 json=$2 check=$3 try rc
	shift 3
	for try in 1 2 3; do
		rc=0
		"$@" <"${IN:-/dev/null}" >"$WORK/$what.out" 2>"$WORK/$what.err" || rc=$?
		[ "$rc" -eq 0 ] || fail "$what client exited $rc: $(cat "$WORK/$what.err")"
		"$check" "$json" "$what" && return 0
		echo "  $what try $try missed (generator-bound: $(jq '[.series[].generator_bound] | any' "$json")), again: $BAD"
	done
	fail "$BAD (missed in 3 of 3 tries)"
}

# 1. a ramp from 200/s to 2000/s over 4 s (-T from the schedule's length)
C=$WORK/ramp.json
run_checked ramp "$C" check_series timeout 30 "$BIN" client "127.0.0.1:$PORT" -c 20 --rate-schedule 0s:200,4s:2000 \
	-q --max-send-lag 50ms --json "$C"
json "$C" '.config.duration_us == 4000000' >/dev/null || fail "-T not set from the schedule: $(jq .config.duration_us "$C")"
json "$C" '.config.rate_schedule == [{"t_s":0,"rate":200},{"t_s":4,"rate":2000}]' >/dev/null ||
	fail "rate_schedule points: $(jq -c .config.rate_schedule "$C")"
json "$C" '.requests.errors == 0 and .requests.lost == 0' >/dev/null || fail "errors: $(jq -c .requests "$C")"
intended=$(jq .requests.intended "$C")
within "$intended" 4400 1 || fail "ramp intended $intended requests, the schedule's integral is 4400"
[ "$(jq '.series | length' "$C")" -eq 4 ] || fail "ramp: expected 4 seconds, got $(jq '.series | length' "$C")"

# 2. the classic tcpclient --stdin format on stdin: 300/s for 2 s, then 1500/s for 2 s
C=$WORK/steps.json
printf '2\n2000 300\n2000 1500\n' >"$WORK/steps.txt"
# both steps show: seconds 2 and 3 against the file's rates themselves
check_steps() {
	check_series "$@" || return 1
	local s2 s3
	s2=$(jq '.series[1].answered' "$1")
	s3=$(jq '.series[2].answered' "$1")
	within "$s2" 300 2 || { BAD="steps: second 2 answered $s2, want 300"; return 1; }
	within "$s3" 1500 2 || { BAD="steps: second 3 answered $s3, want 1500"; return 1; }
}
IN=$WORK/steps.txt run_checked steps "$C" check_steps timeout 30 "$BIN" client "127.0.0.1:$PORT" -c 20 \
	--schedule-file - -q --max-send-lag 50ms --json "$C"

# 3. the slope format from -r, from a file: 100/s rising 200/s each second for 2 s
printf '2000 200\n' >"$WORK/slope.txt"
C=$WORK/slope.json
timeout 30 "$BIN" client "127.0.0.1:$PORT" -c 10 -r 100 --schedule-file "$WORK/slope.txt" --schedule-format slope -q \
	--json "$C" >/dev/null 2>"$WORK/slope.err" || fail "slope client failed: $(cat "$WORK/slope.err")"
intended=$(jq .requests.intended "$C")
within "$intended" 600 1 || fail "slope intended $intended requests, the schedule's integral is 600"

# 4. malformed schedules: exit 2 with where and what is accepted
expect_usage_error "column 7: time '30' needs a unit" client "127.0.0.1:$PORT" --rate-schedule 0s:1k,30:5k
expect_usage_error "accepted:" client "127.0.0.1:$PORT" --rate-schedule 0s:1k,30:5k
expect_usage_error "column 7: time 2s is not after" client "127.0.0.1:$PORT" --rate-schedule 5s:1k,2s:5k
printf '2\n1000 5\n1000 x\n' >"$WORK/bad.txt"
expect_usage_error "line 3, column 6: rate 'x'" client "127.0.0.1:$PORT" --schedule-file "$WORK/bad.txt"
expect_usage_error "exclude each other" client "127.0.0.1:$PORT" --rate-schedule 0s:1k --schedule-file "$WORK/bad.txt"
expect_usage_error "-r goes only with --schedule-format slope" client "127.0.0.1:$PORT" -r 5k --rate-schedule 0s:1k
expect_usage_error "cannot read" client "127.0.0.1:$PORT" --schedule-file "$WORK/nonexistent"
stop_server
echo "PASS rate_schedule: a ramp and two classic steps followed second by second"
