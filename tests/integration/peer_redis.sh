# tcpswarm client --proto raw against a real Redis (Debian's redis-server,
# stock but for no persistence, in the foreground on a free 127.0.0.1 port,
# its dir in $WORK): PING\r\n framed by \r\n, 50 connections at 5k/s for 3 s,
# one and four in flight per connection, then -r max. Every request answered
# (answered == sent, no errors, nothing lost), and Redis's own INFO stats
# count exactly the commands the client counted.
source "$(dirname "$0")/peer_lib.sh"
peer_install_any redis-server redis-server
REDIS=$(peer_cmd redis-server)

PORT=$(free_port)
mkdir -p "$WORK/redis"
timeout 120 "$REDIS" --save '' --appendonly no --port "$PORT" --bind 127.0.0.1 --daemonize no \
	--dir "$WORK/redis" >"$WORK/redis/log" 2>&1 &
REDIS_PID=$!
PIDS+=("$REDIS_PID")
wait_peer redis "$REDIS_PID" "$PORT" "$WORK/redis/log"

# redis_commands: total_commands_processed, over bash /dev/tcp (no redis-cli
# needed); the INFO command itself is counted by Redis after it answers.
redis_commands() {
	timeout 5 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
		printf "INFO stats\r\n" >&3
		while IFS= read -r l <&3; do
			case $l in total_commands_processed:*) echo "${l#*:}" | tr -d "\r"; exit 0 ;; esac
		done; exit 1' _ "$PORT"
}
before=$(redis_commands) || fail "INFO stats from redis failed"

# run NAME ARGS...: one client run against redis; asserts the clean-run
# invariants and sets ANSWERED.
run() {
	local name=$1 rc=0
	shift
	timeout 30 "$BIN" client --proto raw -m 'PING\r\n' --reply-delim '\r\n' "127.0.0.1:$PORT" -q \
		--json "$WORK/$name.json" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" || rc=$?
	cat "$WORK/$name.out"
	[ "$rc" -eq 0 ] || fail "$name: client exited $rc: $(cat "$WORK/$name.err")"
	local j=$WORK/$name.json
	json "$j" '.connections.established == 50 and .connections.failed == 0' >/dev/null ||
		fail "$name: connections: $(jq -c '.connections | del(.connect_latency_us)' "$j")"
	json "$j" '.requests.errors == 0 and .requests.lost == 0 and .requests.sent > 0 and
		.requests.answered == .requests.sent' >/dev/null || fail "$name: not every PING answered: $(jq -c .requests "$j")"
	# +PONG\r\n is 7 bytes a reply: nothing else came back
	json "$j" '.requests.bytes_in == 7 * .requests.answered' >/dev/null ||
		fail "$name: bytes in are not 7 per answer: $(jq -c .requests "$j")"
	ANSWERED=$(jq .requests.answered "$j")
}

run k1 -c 50 -r 5k -T 3s
json "$WORK/k1.json" '.requests.intended >= 14000 and .requests.answered * 100 >= .requests.intended * 95' >/dev/null ||
	fail "k1: far below 5k/s for 3 s: $(jq -c .requests "$WORK/k1.json")"
total=$ANSWERED
run k4 -c 50 -r 5k -T 3s --inflight 4
total=$((total + ANSWERED))
run max -c 50 -r max --inflight 4 -T 2s
json "$WORK/max.json" '.config.closed_loop == true and .config.inflight == 4' >/dev/null ||
	fail "max: the JSON does not say closed loop: $(jq -c .config "$WORK/max.json")"
total=$((total + ANSWERED))

after=$(redis_commands) || fail "INFO stats from redis failed"
# the first INFO is counted too
[ $((after - before - 1)) -eq "$total" ] ||
	fail "redis processed $((after - before - 1)) commands, the client counted $total answers"

# --first-message: its reply is awaited and not counted; an unframed run counts bytes only
rc=0
timeout 30 "$BIN" client --proto raw --first-message 'SELECT 0\r\n' -m 'PING\r\n' --reply-delim '\r\n' \
	"127.0.0.1:$PORT" -c 5 -r 500 -T 2s -q --json "$WORK/first.json" >/dev/null 2>"$WORK/first.err" || rc=$?
[ "$rc" -eq 0 ] || fail "first-message run exited $rc: $(cat "$WORK/first.err")"
# +OK\r\n (5 bytes) once per connection, then +PONG\r\n per answer
json "$WORK/first.json" '.requests.errors == 0 and .requests.answered == .requests.sent and
	.requests.bytes_in == 7 * .requests.answered + 5 * 5' >/dev/null ||
	fail "first-message run: $(jq -c .requests "$WORK/first.json")"
rc=0
timeout 30 "$BIN" client --proto raw -m 'PING\r\n' --reply none --drain 0 "127.0.0.1:$PORT" -c 5 -r 500 -T 2s -q \
	--json "$WORK/none.json" >/dev/null 2>"$WORK/none.err" || rc=$?
[ "$rc" -eq 0 ] || fail "--reply none run exited $rc: $(cat "$WORK/none.err")"
json "$WORK/none.json" '.requests.errors == 0 and .requests.lost == 0 and .requests.answered == 0 and
	.requests.sent > 0 and .requests.bytes_out == 6 * .requests.sent' >/dev/null ||
	fail "--reply none run: $(jq -c .requests "$WORK/none.json")"
echo "PASS peer_redis: $total PINGs answered, and redis counted each"
