# Shared helpers for integration tests: the real binary over loopback, with
# hard time bounds; every process started here is stopped by PID on exit.
set -euo pipefail
BIN=${1:?usage: $0 PATH_TO_TCPSWARM}
WORK=$(mktemp -d /tmp/tcpswarm-test.XXXXXX)
PIDS=()

cleanup() {
	for p in "${PIDS[@]:-}"; do
		[ -n "$p" ] && kill "$p" 2>/dev/null || true
	done
	for p in "${PIDS[@]:-}"; do
		[ -n "$p" ] && wait "$p" 2>/dev/null || true
	done
	rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# A TCP port no socket uses, below the ephemeral range: a port inside it
# may be any connection's local port, and then listen() gets EADDRINUSE.
free_port() {
	local p lo
	lo=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range)
	[ "$lo" -gt 12000 ] || lo=32768
	for _ in $(seq 1 100); do
		p=$((10000 + RANDOM % (lo - 10000)))
		if ! ss -Htan "sport = :$p" | grep -q .; then
			echo "$p"
			return
		fi
	done
	fail "no free port found"
}

wait_listening() {
	local port=$1
	for _ in $(seq 1 200); do
		ss -Htln "sport = :$port" | grep -q . && return 0
		if [ -n "${SERVER_PID:-}" ] && ! kill -0 "$SERVER_PID" 2>/dev/null; then
			fail "server exited before listening on $port: $(cat "$WORK/server.err" 2>/dev/null)"
		fi
		sleep 0.05
	done
	fail "server did not listen on $port within 10 s: $(cat "$WORK/server.err" 2>/dev/null)"
}

# start_server PORT ARGS...: runs `tcpswarm server` in the background.
start_server() {
	local port=$1
	shift
	timeout 120 "$BIN" server -p "$port" -q "$@" >"$WORK/server.out" 2>"$WORK/server.err" &
	SERVER_PID=$!
	PIDS+=("$SERVER_PID")
	wait_listening "$port"
}

# stop_server: SIGINT, then the server must print its summary and exit 0.
stop_server() {
	kill -INT "$SERVER_PID"
	local rc=0
	wait "$SERVER_PID" || rc=$?
	[ "$rc" -eq 0 ] || fail "server exited $rc after SIGINT: $(cat "$WORK/server.err")"
}

json() { jq -e "$2" "$1"; }

# assert_gone WHAT PID...: none of the processes is alive.
assert_gone() {
	local what=$1 p
	shift
	for p in "$@"; do
		! kill -0 "$p" 2>/dev/null || fail "$what $p survived the run"
	done
}

# worker_processes WRAPPER_PID N: waits (5 s) until the tcpswarm started
# under `timeout` (WRAPPER_PID) has N worker processes; sets MAIN_PID and
# WORKERS (their PIDs).
worker_processes() {
	local wrapper=$1 n=$2
	MAIN_PID="" WORKERS=""
	for _ in $(seq 1 50); do
		MAIN_PID=$(pgrep -P "$wrapper" || true)
		WORKERS=$( [ -n "$MAIN_PID" ] && pgrep -P "$MAIN_PID" || true)
		[ "$(echo "$WORKERS" | wc -w)" -ge "$n" ] && break
		sleep 0.1
	done
	[ "$(echo "$WORKERS" | wc -w)" -eq "$n" ] || fail "expected $n worker processes, found: $WORKERS"
}

# expect_usage_error MESSAGE_PART ARGS...: exit 2 and stderr names the problem.
expect_usage_error() {
	local want=$1
	shift
	local rc=0
	timeout 10 "$BIN" "$@" >"$WORK/out" 2>"$WORK/err" || rc=$?
	[ "$rc" -eq 2 ] || fail "'$*' exited $rc, expected 2 (stderr: $(cat "$WORK/err"))"
	grep -qF -- "$want" "$WORK/err" || fail "'$*': stderr does not mention '$want': $(cat "$WORK/err")"
}
