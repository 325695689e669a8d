#!/usr/bin/env bash
# Builds the libFuzzer targets (clang) and runs each for SECONDS (default 60).
#   tools/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
command -v clang >/dev/null || tools/deps.sh clang
CC=clang cmake -S . -B build-fuzz -DTCPSWARM_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-fuzz -j "$(nproc)" >/dev/null
for f in build-fuzz/tests/fuzz_*; do
	name=$(basename "$f")
	mkdir -p "build-fuzz/corpus/$name"
	echo "== $name ($secs s)"
	"$f" -max_total_time="$secs" -print_final_stats=1 "build-fuzz/corpus/$name" 2>&1 |
		grep -E "stat::number_of_executed_units|ERROR|SUMMARY" || true
done
