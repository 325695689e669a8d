# The server's --max-rate throttle in the request/response modes (http,
# dns): a client asking 1000 requests a second gets about the throttle's
# 400 a second, second by second (the rest waits unread in the socket
# buffers, so it shows as latency, never as errors); unthrottled the same
# client gets its 1000.
source "$(dirname "$0")/lib.sh"

# answered in seconds 2.. (the first holds the connects) within 10% of WANT
check_rate() {
	local json=$1 want=$2 what=$3 n i a
	n=$(jq '.series | length' "$json")
	[ "$n" -ge 3 ] || fail "$what: only $n seconds in the series"
	for i in $(seq 1 $((n - 1))); do
		a=$(jq ".series[$i].answered" "$json")
		awk -v a="$a" -v w="$want" 'BEGIN { d = a - w; if (d < 0) d = -d; exit !(d * 10 <= w) }' ||
			fail "$what: second $((i + 1)) answered $a, want $want within 10%: $(jq -c '[.series[].answered]' "$json")"
	done
	json "$json" '.requests.errors == 0 and .connections.failed == 0' >/dev/null ||
		fail "$what: errors: $(jq -c '[.requests, .connections.closed_by]' "$json")"
	echo "  $what: $(jq -c '[.series[].answered]' "$json")"
}

for mode in http dns; do
	PORT=$(free_port)
	start_server "$PORT" -m "$mode" -w 1 --processes 1 --max-rate 400
	C=$WORK/$mode.json
	timeout 30 "$BIN" client "127.0.0.1:$PORT" --proto "$mode" -c 20 -r 1000 -T 4s -q --max-send-lag 1s \
		--json "$C" >"$WORK/c.out" 2>"$WORK/c.err" || fail "$mode client exited $?: $(cat "$WORK/c.err")"
	check_rate "$C" 400 "$mode --max-rate 400"
	stop_server
	PORT=$(free_port)
	start_server "$PORT" -m "$mode" -w 1 --processes 1
	C=$WORK/$mode-free.json
	timeout 30 "$BIN" client "127.0.0.1:$PORT" --proto "$mode" -c 20 -r 1000 -T 4s -q --max-send-lag 1s \
		--json "$C" >"$WORK/c.out" 2>"$WORK/c.err" || fail "$mode client exited $?: $(cat "$WORK/c.err")"
	check_rate "$C" 1000 "$mode unthrottled"
	stop_server
done
echo "max_rate_rr: ok"
