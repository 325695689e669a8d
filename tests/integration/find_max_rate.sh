# --find max-rate against a server throttled by a known knob: the tcpswarm
# echo server with --max-rate 3000 (one worker in one process, so the whole
# rate is one bucket) answers at most 3000 requests a second; the search at
# -c 20 with --slo p99=50ms must land within 10% of it, in at most 12 steps
# and bounded time. Steps above the knob must break with the achieved rate
# at the knob (the throttle holds). Rates an ASan build on a loaded 2-CPU box
# drives comfortably; --max-send-lag 20ms keeps a shared VM's scheduler
# hiccups from flagging the light steps generator-bound (a step that still
# is stops the search with that verdict: then it is tried again).
source "$(dirname "$0")/lib.sh"
R=3000

# usage errors first: exit 2 with the reason
usage() {
	local rc=0 out
	out=$("$BIN" "$@" 2>&1) || rc=$?
	[ "$rc" -eq 2 ] || fail "'$*' exited $rc, expected 2: $out"
	echo "$out" | grep -q -- "$USAGE_SAYS" || fail "'$*' did not say '$USAGE_SAYS': $out"
}
USAGE_SAYS="go with --find" usage client 127.0.0.1:1 --slo p99=5ms
USAGE_SAYS="needs --slo" usage client 127.0.0.1:1 --find max-rate
USAGE_SAYS="pNN=TIME" usage client 127.0.0.1:1 --find max-rate --slo p99
USAGE_SAYS="excludes -r max" usage client 127.0.0.1:1 --find max-rate --slo p99=5ms -r max
USAGE_SAYS="with --max-rate-frame above 0" usage server --mode sink --max-rate 1k --max-rate-frame 0

PORT=$(free_port)
start_server "$PORT" -w 1 --processes 1 --max-rate "$R"

find_once() {
	local rc=0 t0 t1
	t0=$(date +%s)
	timeout 100 "$BIN" client "127.0.0.1:$PORT" -c 20 --find max-rate --slo p99=50ms --step 2s --max-send-lag 20ms \
		--json "$WORK/find.json" >"$WORK/find.out" 2>"$WORK/find.err" || rc=$?
	t1=$(date +%s)
	cat "$WORK/find.out"
	F=$WORK/find.json
	[ -s "$F" ] || fail "no --json written (exit $rc): $(cat "$WORK/find.err")"
	if jq -e '.find.verdict == "generator_bound"' "$F" >/dev/null; then
		[ "$rc" -eq 1 ] || fail "a generator-bound search exited $rc, expected 1"
		echo "NOTE: a step was generator-bound on this loaded host: the search stopped there (as it must)"
		return 1
	fi
	[ "$rc" -eq 0 ] || fail "find exited $rc: $(cat "$WORK/find.err")"
	WALL=$((t1 - t0))
	return 0
}
ok=0
for attempt in 1 2 3; do
	find_once && { ok=1; break; }
done
[ "$ok" -eq 1 ] || fail "every try was generator-bound"

json "$F" '.find.verdict == "knee"' >/dev/null || fail "verdict $(jq -c .find.verdict "$F")"
held=$(jq '.find.highest_held_rate' "$F")
broke=$(jq '.find.first_broke_rate' "$F")
steps=$(jq '.find.steps_taken' "$F")
echo "highest held ${held}/s, first broke ${broke}/s, $steps steps, ${WALL}s (server --max-rate $R)"
json "$F" "(.find.highest_held_rate - $R | fabs) <= $R * 0.10" >/dev/null || fail "highest held $held/s is not within 10% of $R/s"
json "$F" ".find.first_broke_rate > .find.highest_held_rate and .find.steps_taken <= 12" >/dev/null ||
	fail "first broke $broke, steps $steps"
json "$F" '(.find.steps | length) == .find.steps_taken' >/dev/null || fail "steps array does not match steps_taken"
[ "$(grep -c '^step ' "$WORK/find.out")" -eq "$steps" ] || fail "not one line per step"
grep -q "knee after $steps steps: highest rate that held" "$WORK/find.out" || fail "no verdict line"
[ "$WALL" -le 90 ] || fail "the search took ${WALL}s"
# each step at least 2 s and 2000 answers worth of time
json "$F" '[.find.steps[] | .duration_s >= 2 and .answered >= 1900] | all' >/dev/null ||
	fail "a step too short for its p99: $(jq -c '[.find.steps[] | {rate, duration_s, answered}]' "$F")"
# the throttle holds: steps well above it broke, achieving about R at most
json "$F" "[.find.steps[] | select(.rate >= $R * 1.2) | (.ok | not) and .achieved <= $R * 1.05] | all" >/dev/null ||
	fail "a step above the knob held or beat it: $(jq -c '.find.steps' "$F")"
# the last step's normal report is kept, the find object added
json "$F" '.role == "client" and (.latency_us | type) == "object"' >/dev/null || fail "the last step's report is missing"
stop_server
echo "PASS find_max_rate"
