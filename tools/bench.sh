#!/usr/bin/env bash
# Benchmarks (figures, never pass/fail). Loopback only; every run is
# bounded. Prints: time to open and hold 15,000 connections, the highest
# echo rate sustained (answered >= 99% of intended, p99 under 50 ms) at 5 and 2,000
# connections, and user bytes per idle connection on each side.
#   tools/bench.sh [BUILD_DIR]      (default: build, Release)
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
if [ ! -x "$B/tcpswarm" ]; then
	tools/deps.sh
	cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build "$B" -j "$(nproc)" --target tcpswarm >/dev/null
fi
BIN=$B/tcpswarm
W=$(mktemp -d /tmp/tcpswarm-bench.XXXXXX)
SERVER=""
cleanup() {
	[ -n "$SERVER" ] && kill -INT "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null || true
	rm -rf "$W"
}
trap cleanup EXIT
PORT=${PORT:-7100}

server_start() { # ARGS...
	"$BIN" server -p "$PORT" -q --json "$W/server.json" "$@" >/dev/null 2>&1 &
	SERVER=$!
	for _ in $(seq 100); do ss -Htln "sport = :$PORT" | grep -q . && return; sleep 0.05; done
	echo "server did not start" >&2
	exit 1
}
server_stop() {
	kill -INT "$SERVER"
	wait "$SERVER" || true
	SERVER=""
}

echo "tcpswarm bench on $(nproc) CPUs, $(uname -r); server and client share this machine"
echo

# 1. open and hold 15,000 connections (idle), unlimited rate, 1000 in flight
server_start
"$BIN" client "127.0.0.1:$PORT" -c 15000 -T 6s -q --json "$W/hold.json" >/dev/null
sleep 0.2
server_stop
jq -r '"hold 15000:     established \(.connections.established) in \(.connections.time_to_all_s*1000|floor) ms = \(.connections.conn_per_s|floor) conn/s; connect p99 \(.connections.connect_latency_us.p99) us"' "$W/hold.json"
jq -r '"memory client:  \(.memory.user_bytes_per_conn|floor) B user memory per idle connection (slot \(.memory.conn_struct_bytes) B)"' "$W/hold.json"
jq -r '"memory server:  \(.memory.user_bytes_per_conn|floor) B user memory per idle connection (slot \(.memory.conn_struct_bytes) B)"' "$W/server.json"

# 2. highest sustained echo rate: double until it fails, then bisect
sustained() { # CONNS RATE -> exit 0 if answered >= 99% of intended
	"$BIN" client "127.0.0.1:$PORT" -c "$1" -r "$2" -T 3s -q --json "$W/r.json" >/dev/null || return 1
	jq -e '.requests.intended > 0 and .requests.answered * 100 >= .requests.intended * 99 and .requests.errors == 0
		and .latency_us.p99 < 50000' "$W/r.json" >/dev/null
}
max_rate() { # CONNS
	local conns=$1 lo=0 hi=10000
	while sustained "$conns" "$hi"; do
		lo=$hi
		p99=$(jq .latency_us.p99 "$W/r.json")
		hi=$((hi * 2))
		[ "$hi" -gt 5000000 ] && break
	done
	for _ in 1 2 3; do
		local mid=$(((lo + hi) / 2))
		if sustained "$conns" "$mid"; then lo=$mid; p99=$(jq .latency_us.p99 "$W/r.json"); else hi=$mid; fi
	done
	echo "echo rate at $conns connections: $lo req/s sustained (answered >= 99% of intended, p99 < 50 ms), p99 ${p99:-?} us"
}
server_start
max_rate 5
max_rate 2000
server_stop
