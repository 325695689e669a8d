#!/usr/bin/env bash
# Builds tcpswarm and runs every test: unit tests and loopback integration
# tests under ASan+UBSan with -Werror, then the threaded paths under TSan.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh
# the real peers the integration tests run against, installed here so no
# test spends its time limit in apt (nginx-light is gone after bookworm)
tools/deps.sh unbound wrk apache2-utils dnsutils redis-server pdsh prometheus mandoc python3-yaml libhdrhistogram-java default-jre-headless valgrind gnuplot-nox
tools/deps.sh nginx-light 2>/dev/null || tools/deps.sh nginx
# libFuzzer (tools/fuzz.sh) needs clang
tools/deps.sh clang
jobs=$(nproc)

cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DTCPSWARM_WERROR=ON -DTCPSWARM_SANITIZE=address,undefined >/dev/null
cmake --build build-asan -j "$jobs"
(cd build-asan && ctest --output-on-failure -j 1)

# TSan: the reactor threads, the shared stats, the monitor, the rtt-log
# writer and worker processes, each under real load; stalled_peers has
# workers close descriptors that other workers accept again; tls_loopback
# the SSL objects of each worker over one shared SSL_CTX; connect_lanes
# worker threads taking turns at their first opens (an atomic and a futex).
cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=Debug -DTCPSWARM_WERROR=ON -DTCPSWARM_SANITIZE=thread >/dev/null
cmake --build build-tsan -j "$jobs" --target tcpswarm
export TSAN_OPTIONS="halt_on_error=1 exitcode=66"
for t in loopback_echo child_killed peer_nginx peer_wrk_ab stalled_peers tls_loopback connect_lanes; do
	echo "== TSan: $t"
	bash "tests/integration/$t.sh" build-tsan/tcpswarm
done
echo "TSan: 7 passed, 0 failed"
# valgrind --track-fds: no descriptor leak in client or server (valgrind
# cannot run a sanitized binary, so this build has none)
cmake -S . -B build-plain -DCMAKE_BUILD_TYPE=Debug -DTCPSWARM_WERROR=ON >/dev/null
cmake --build build-plain -j "$jobs" --target tcpswarm
echo "== valgrind: valgrind_fds"
bash tests/integration/valgrind_fds.sh build-plain/tcpswarm
# every parser's libFuzzer target, 8 s each from its seed corpus
tools/fuzz.sh 8
