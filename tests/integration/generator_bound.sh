# Who set the pace. A saturated loopback run (-c 100 -r 16m against the
# tcpswarm echo server on the same CPUs) is the generator's or the shared
# machine's limit, never the server's throughput, and JSON says
# generator_bound. A light run (-c 10 -r 1k) is not generator-bound when the
# host is otherwise idle; on a host loaded by other work the verdict must
# still follow its own figures.
source "$(dirname "$0")/lib.sh"
PORT=$(free_port)
start_server "$PORT"

# The light run goes first, on a fresh server: after the saturated run the
# server and kernel are still draining its backlog. On a shared 2-CPU VM
# scheduler hiccups of 1-4 ms lift a 3,000-request send-lag p99 over the
# default 1 ms (measured 1.4-4.1 ms at 5% client CPU under ASan), and that
# lateness is real (the verdict then says so). The idle-host assertion
# therefore uses --max-send-lag 10ms, far above that noise and far below
# what a broken lag measure (from the run start, or the connect) would give,
# and is tried up to three times.
light_once() {
	rc=0
	timeout 60 "$BIN" client "127.0.0.1:$PORT" -c 10 -r 1k -T 3s --max-send-lag 10ms -q --json "$WORK/light.json" >"$WORK/light.summary" \
		2>&1 || rc=$?
	cat "$WORK/light.summary"
	[ "$rc" -eq 0 ] || fail "light client exited $rc"
	L=$WORK/light.json
	# the verdict follows its figures: own send lag p99 over the limit, or workers saturated
	json "$L" '.generator_bound == (.own_send_lag_us.p99 > .max_send_lag_us or .client_cpu >= 0.9)' >/dev/null ||
		fail "verdict does not follow the figures: $(jq -c '{generator_bound, lag: .own_send_lag_us.p99, client_cpu}' "$L")"
	json "$L" '.generator_bound or ([.diagnosis[].limit] | (index("generator") == null and index("shared_host") == null))' \
		>/dev/null || fail "a finding without the verdict: $(jq -c .diagnosis "$L")"
	if jq -e '.host_cpu != null and .host_cpu < 0.6' "$L" >/dev/null; then
		jq -e '.generator_bound == false' "$L" >/dev/null && { echo "light run on an idle host: not generator-bound"; return 0; }
		echo "light run flagged on an idle host: $(jq -c '{lag: .own_send_lag_us.p99, client_cpu, host_cpu}' "$L")"
		return 1
	fi
	echo "NOTE: host $(jq .host_cpu "$L") busy with other work: light run checked for consistency only"
	return 0
}
light_ok=0
for attempt in 1 2 3; do
	if light_once; then light_ok=1; break; fi
done
[ "$light_ok" -eq 1 ] || fail "light run on an idle host was generator-bound in 3 of 3 tries"

rc=0
timeout 60 "$BIN" client "127.0.0.1:$PORT" -c 100 -r 16m -T 3s --json "$WORK/hot.json" >"$WORK/hot.summary" \
	2>"$WORK/hot.live" || rc=$?
cat "$WORK/hot.summary"
[ "$rc" -eq 0 ] || fail "saturated client exited $rc"
H=$WORK/hot.json
json "$H" '.generator_bound == true' >/dev/null ||
	fail "saturated run not generator-bound: $(jq -c '{send_lag_us: .send_lag_us.p99, client_cpu, host_cpu}' "$H")"
json "$H" '.diagnosis[0].limit == "generator" or .diagnosis[0].limit == "shared_host"' >/dev/null ||
	fail "first finding: $(jq -c '[.diagnosis[].limit]' "$H")"
json "$H" '[.diagnosis[].limit] | index("server_throughput") == null' >/dev/null ||
	fail "the server was blamed: $(jq -c .diagnosis "$H")"
json "$H" '[.diagnosis[] | select(.limit == "generator")][0].evidence | test("send lag p99 [0-9]+ us")' >/dev/null ||
	fail "generator evidence lacks the lag: $(jq -c .diagnosis "$H")"
grep -q "generator-bound" "$WORK/hot.live" || fail "the live line never said generator-bound"
grep -q "^generator      BOUND" "$WORK/hot.summary" || fail "the summary does not say generator-bound"
stop_server

echo "PASS generator_bound: hot $(jq -c '{first: .diagnosis[0].limit, lag_p99: .send_lag_us.p99, client_cpu, host_cpu}' "$H")"
