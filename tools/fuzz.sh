#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, -fsanitize=fuzzer,address,undefined;
# the parsers instrumented too) and runs each for SECONDS (default 8) from its
# seed corpus tests/fuzz/corpus/NAME (copied: found inputs stay in the build
# dir). Exit 1 naming the target when one crashes; its input is kept as
# build-fuzz/crash-NAME-* (make it a unit test with the input, then fix).
#   tools/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-8}
command -v clang >/dev/null || tools/deps.sh clang
CC=clang cmake -S . -B build-fuzz -DTCPSWARM_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
targets=$(cd tests/fuzz && ls fuzz_*.c | sed 's/\.c$//')
# shellcheck disable=SC2086 # one word per target
cmake --build build-fuzz -j "$(nproc)" --target $targets >/dev/null
failed=()
for name in $targets; do
	f=build-fuzz/tests/$name
	short=${name#fuzz_}
	corpus=build-fuzz/corpus/$short
	mkdir -p "$corpus"
	[ -d "tests/fuzz/corpus/$short" ] && cp -n tests/fuzz/corpus/"$short"/* "$corpus"/ 2>/dev/null || true
	echo "== $name ($secs s)"
	rc=0
	"$f" -max_total_time="$secs" -timeout=5 -rss_limit_mb=1024 -print_final_stats=1 \
		-artifact_prefix="build-fuzz/crash-$short-" "$corpus" >"build-fuzz/$name.log" 2>&1 || rc=$?
	grep -E "stat::number_of_executed_units|^(SUMMARY|==[0-9]+==ERROR)" "build-fuzz/$name.log" || true
	if [ "$rc" -ne 0 ]; then
		tail -30 "build-fuzz/$name.log"
		failed+=("$name")
	fi
done
if [ ${#failed[@]} -gt 0 ]; then
	echo "fuzz: crashes in ${failed[*]} (inputs: build-fuzz/crash-*)" >&2
	exit 1
fi
echo "fuzz: every target ran $secs s without a crash"
