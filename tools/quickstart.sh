#!/usr/bin/env bash
# Builds tcpswarm and runs a real loopback benchmark: an echo server and a
# client holding 2,000 connections at 20k requests/s for 10 s.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)" --target tcpswarm >/dev/null
port=${PORT:-7000}
build/tcpswarm server -p "$port" -q -T 30s >/dev/null &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do ss -Htln "sport = :$port" | grep -q . && break; sleep 0.1; done
build/tcpswarm client "127.0.0.1:$port" -c 2000 --connect-rate 10k -r 20k -T 10s "$@"
