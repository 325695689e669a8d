# -r max: a closed loop at full speed. Every connection keeps --inflight K
# requests outstanding; the run answers what it sends, without errors, and
# the summary and JSON say it was closed loop. Against tcpswarm's echo and
# http servers, echo with K = 1 and K = 8, http with K = 1; -r unlimited is
# the same. Names resolve from /etc/hosts (localhost).
source "$(dirname "$0")/lib.sh"
EPORT=$(free_port)
start_server "$EPORT"
HPORT=$(free_port)
timeout 120 "$BIN" server -p "$HPORT" -m http -q >"$WORK/hs.out" 2>&1 &
PIDS+=($!)
wait_listening "$HPORT"

# run NAME ARGS...: a 2 s closed-loop run; asserts answered > 0, answered
# == sent, no errors, nothing lost, closed_loop in JSON and summary.
run() {
	local name=$1 rc=0
	shift
	timeout 30 "$BIN" client -c 10 -T 2s -q --json "$WORK/$name.json" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" || rc=$?
	[ "$rc" -eq 0 ] || fail "$name: client exited $rc: $(cat "$WORK/$name.err")"
	local j=$WORK/$name.json
	json "$j" '.config.closed_loop == true and .config.rate == 0' >/dev/null || fail "$name: config: $(jq -c .config "$j")"
	json "$j" '.requests.answered > 1000 and .requests.answered == .requests.sent and .requests.errors == 0 and
		.requests.lost == 0 and .requests.intended == .requests.sent' >/dev/null || fail "$name: $(jq -c .requests "$j")"
	grep -q '^closed loop' "$WORK/$name.out" || fail "$name: the summary does not say closed loop: $(cat "$WORK/$name.out")"
	echo "ok: $name: $(jq .requests.answered "$j") answered"
}
run echo1 -r max "localhost:$EPORT"
run echo8 -r max --inflight 8 "127.0.0.1:$EPORT"
json "$WORK/echo8.json" '.config.inflight == 8' >/dev/null || fail "echo8: inflight not 8"
run unlimited -r unlimited "127.0.0.1:$EPORT"
run http1 -r max --proto http "127.0.0.1:$HPORT"
json "$WORK/http1.json" '.requests.by_status["2xx"] == .requests.answered' >/dev/null || fail "http1: not all 2xx"
run url -r max "http://localhost:$HPORT/?length=10"
json "$WORK/url.json" '.config.host == "localhost:'"$HPORT"'" and .config.path == "/?length=10"' >/dev/null ||
	fail "url: config: $(jq -c .config "$WORK/url.json")"
# an open-loop run is not closed loop
timeout 30 "$BIN" client -c 2 -r 100 -T 1s -q --json "$WORK/open.json" "127.0.0.1:$EPORT" >/dev/null 2>&1 ||
	fail "open-loop run failed"
json "$WORK/open.json" '.config.closed_loop == false' >/dev/null || fail "open-loop run says closed loop"
echo "PASS closed_loop"
