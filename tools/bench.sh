#!/usr/bin/env bash
# Benchmarks (figures, never pass/fail). Loopback only; every run is
# bounded. Prints: time to open and hold 15,000 connections, the highest
# echo rate sustained (answered >= 99% of intended, p99 under 50 ms) at 5 and 2,000
# connections, user bytes per idle connection on each side, and client CPU
# per message (with send lag, latency and service p99) at the rows of issue 10.
#   tools/bench.sh [BUILD_DIR]      (default: build, Release)
#   tools/bench.sh --cpu [BUILD_DIR]   only the CPU-per-message section (3. below)
#   tools/bench.sh --tls [N] [BUILD_DIR]
#                                   only the TLS section (below): handshakes per second, full and
#                                   resumed, and memory per idle TLS connection at N (default 10k)
#   tools/bench.sh --scale [N] [BUILD_DIR]
#                                   only the scale section (below): the most connections one
#                                   client command holds against one server command (default N 1m)
set -euo pipefail
cd "$(dirname "$0")/.."
SCALE=""
CPU_ONLY=""
TLS_N=""
if [ "${1:-}" = --tls ]; then
	shift
	TLS_N=10000
	if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+[kK]?$ ]]; then
		TLS_N=$1
		shift
	fi
	[[ $TLS_N =~ [kK]$ ]] && TLS_N=$((${TLS_N%[kK]} * 1000))
fi
if [ "${1:-}" = --cpu ]; then
	shift
	CPU_ONLY=1
fi
if [ "${1:-}" = --scale ]; then
	shift
	SCALE=1m
	if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+(\.[0-9]+)?[kKmM]?$ ]]; then
		SCALE=$1
		shift
	fi
	SCALE=$(awk -v s="$SCALE" 'BEGIN { m = 1; u = tolower(substr(s, length(s)))
		if (u == "k") m = 1000; else if (u == "m") m = 1000000
		if (m > 1) s = substr(s, 1, length(s) - 1); printf "%d", s * m }')
	[ "$SCALE" -ge 1 ] || { echo "bench.sh: --scale N: N must be a count (200k, 1m)" >&2; exit 2; }
fi
B=${1:-build}
if [ ! -x "$B/tcpswarm" ]; then
	tools/deps.sh
	cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build "$B" -j "$(nproc)" --target tcpswarm >/dev/null
fi
[ -x "$B/send_floor" ] || cmake --build "$B" --target send_floor >/dev/null
[ -x "$B/connect_floor" ] || cmake --build "$B" --target connect_floor >/dev/null
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

# ===========================================================================
# TLS section: tools/bench.sh --tls [N]   (default N = 10k)
# Handshakes per second over loopback against tcpswarm's own TLS echo server
# (RSA-2048 self-signed certificate made here, TLS 1.3): closed loop, each of
# 64 connections closes after one answer and reconnects at once; full
# handshakes, then the same with --tls-resume (every reconnect offers the
# worker's newest ticket). Then memory per idle TLS connection: N
# connections held idle (-r 0) with and without --tls, user bytes per
# connection from each side's JSON (RSS growth over the connections held),
# and what TLS adds over the plain slot.
# ===========================================================================
if [ -n "$TLS_N" ]; then
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/tls.key" -out "$W/tls.pem" -days 2 -subj /CN=localhost \
		2>/dev/null || { echo "bench --tls: openssl req failed" >&2; exit 1; }
	TLS_SRV=(--tls-cert "$W/tls.pem" --tls-key "$W/tls.key")
	echo "tcpswarm TLS bench: loopback, $(nproc) CPUs, $(openssl version | cut -d' ' -f1-2), $(uname -r)"
	for mode in full resumed; do
		extra=()
		[ $mode = resumed ] && extra=(--tls-resume)
		server_start "${TLS_SRV[@]}"
		timeout 60 "$BIN" client "127.0.0.1:$PORT" --tls --insecure "${extra[@]}" -c 64 -r max --conn-requests 1 \
			-T 5s -q --json "$W/hs.json" >/dev/null 2>&1 || true
		server_stop
		jq -r --arg m $mode '.connections as $c | "handshakes \($m):  \($c.tls.full_per_s + $c.tls.resumed_per_s | floor)/s" +
			" (\($c.tls.handshakes_full) full, \($c.tls.handshakes_resumed) resumed in \(.duration_s * 10 | floor / 10) s;" +
			" handshake p50 \($c.handshake_us.p50) us, p99 \($c.handshake_us.p99) us; failed" +
			" \($c.tls.failed.certificate + $c.tls.failed.protocol + $c.tls.failed.timeout))"' "$W/hs.json"
	done
	for t in plain tls; do
		srv=() cli=()
		[ $t = tls ] && srv=("${TLS_SRV[@]}") cli=(--tls --insecure)
		server_start "${srv[@]}" --max-conns "$TLS_N"
		timeout 120 "$BIN" client "127.0.0.1:$PORT" "${cli[@]}" -c "$TLS_N" -r 0 --connect-rate 5k -T $((TLS_N / 5000 + 6))s \
			-q --json "$W/idle-$t.json" >/dev/null 2>&1 || true
		server_stop
		cp "$W/server.json" "$W/idle-$t-server.json"
		printf 'idle %-5s      %s connections held: client %s B, server %s B user memory per connection\n' $t \
			"$(jq .connections.peak_open "$W/idle-$t.json")" "$(jq '.memory.user_bytes_per_conn | floor' "$W/idle-$t.json")" \
			"$(jq '.memory.user_bytes_per_conn | floor' "$W/idle-$t-server.json")"
	done
	echo "tls adds:       client $(jq -n --slurpfile a "$W/idle-tls.json" --slurpfile b "$W/idle-plain.json" \
		'$a[0].memory.user_bytes_per_conn - $b[0].memory.user_bytes_per_conn | floor') B, server" \
		"$(jq -n --slurpfile a "$W/idle-tls-server.json" --slurpfile b "$W/idle-plain-server.json" \
			'$a[0].memory.user_bytes_per_conn - $b[0].memory.user_bytes_per_conn | floor') B per idle connection" \
		"(SSL object and session; SSL_MODE_RELEASE_BUFFERS: no record buffers while idle)"
	exit 0
fi

# ===========================================================================
# Scale section: tools/bench.sh --scale [N]   (default N = 1m)
# The most concurrent connections ONE client command holds against ONE server
# command on loopback (both fan out over processes by themselves; the client
# picks 127.0.0.x source IPs by itself). Connects at full speed, holds idle
# (-r 0) for SCALE_HOLD seconds (default 10) once all are up (or once the count
# stops growing), then stops the client with SIGINT (it still writes its
# summary and JSON) and the server with SIGINT.
# First, the floor: tools/connect_floor.c holds the same N with bare blocking
# connects and accepts (no event loop), the kernel's own pace on this host
# in this run; the time to all is then put against it as a share.
# Prints: established and held, time to all and conn/s (client JSON), conn/s
# per 5-second slice (/proc/net/snmp ActiveOpens) and the connect phase's SYN
# retransmits and listen overflows, the time to exit after SIGINT and what
# was left behind (TIME-WAIT; SCALE_CLOSE=rst closes by RST instead); the
# kernel's own counts during the hold (sockstat TCP inuse, and ss on the
# server port); kernel memory per connection = slab growth (/proc/meminfo Slab
# and SUnreclaim, idle baseline vs the hold) per socket and per loopback pair,
# with the slab caches that grew most; user memory per connection from both
# JSONs. When N is not reached: what was reached, and the client's diagnosis.
# Before exiting it waits until the kernel has released the sockets
# (sockstat TCP inuse back near the baseline; TIME-WAIT may stay).
# Needs about 10 KB of RAM per connection (both sides on this host); refuses
# when MemAvailable is short. Sets no sysctl. SCALE_HOLD=S changes the hold;
# SCALE_KEEP=DIR keeps both JSONs, outputs and slab snapshots there;
# SCALE_SERVER_ARGS adds server options (--accept-batch 0, say, for a paired comparison);
# FLOOR_PORT=P moves the floor's listeners (P, P+1, ...; default 7300).
# ===========================================================================
if [ -n "$SCALE" ]; then
	N=$SCALE
	HOLD=${SCALE_HOLD:-10}
	CLIENT=""
	sockstat_tcp() { # FIELD (inuse, tw, orphan, mem) of the TCP line; inuse adds TCP6 (the server's
		# dual-stack sockets are IPv6 sockets, counted only in sockstat6)
		awk -v f="$1" '($1 == "TCP:" || ($1 == "TCP6:" && f == "inuse")) {
			for (i = 2; i < NF; i += 2) if ($i == f) n += $(i + 1) } END { print n + 0 }' \
			/proc/net/sockstat /proc/net/sockstat6 2>/dev/null
	}
	meminfo_kb() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }
	snmp() { # FIELD of the Tcp: (or TcpExt: of netstat) table: ActiveOpens, CurrEstab, RetransSegs, TCPSynRetrans, ...
		awk -v f="$1" '$1 == "Tcp:" || $1 == "TcpExt:" { if (!h[$1]) { for (i = 2; i <= NF; i++) c[$1, $i] = i; h[$1] = 1; next }
			if (c[$1, f]) print $(c[$1, f]) }' /proc/net/snmp /proc/net/netstat
	}
	kcounters() { for k in ActiveOpens RetransSegs TCPSynRetrans ListenOverflows ListenDrops TCPTimeWaitOverflow; do echo "$k $(snmp $k)"; done; }
	slab_snapshot() { # name bytes (slabs x pages per slab x page size)
		awk -v pg="$(getconf PAGESIZE)" 'NR > 2 { printf "%s %.0f\n", $1, $15 * $6 * pg }' /proc/slabinfo 2>/dev/null || true
	}
	wait_released() { # wait (up to 180 s) for TCP inuse to come back near the baseline
		local limit=$((BASE_INUSE + 1000)) t=0 now
		while now=$(sockstat_tcp inuse) && [ "$now" -gt "$limit" ] && [ $t -lt 180 ]; do
			sleep 1
			t=$((t + 1))
		done
		echo "released:       TCP+TCP6 inuse $now after ${t} s (baseline $BASE_INUSE; tw now $(sockstat_tcp tw))"
	}
	scale_cleanup() {
		local rc=$?
		if [ -n "${SCALE_KEEP:-}" ]; then
			mkdir -p "$SCALE_KEEP" && cp "$W"/* "$SCALE_KEEP"/ 2>/dev/null || true
		fi
		if [ -n "$CLIENT" ]; then
			kill -INT "$CLIENT" 2>/dev/null || true
			wait "$CLIENT" 2>/dev/null || true
			CLIENT=""
		fi
		if [ -n "$SERVER" ]; then
			kill -INT "$SERVER" 2>/dev/null || true
			wait "$SERVER" 2>/dev/null || true
			SERVER=""
		fi
		[ -n "${BASE_INUSE:-}" ] && [ "$rc" -ne 0 ] && wait_released
		cleanup
	}
	trap scale_cleanup EXIT
	fmt_mib() { awk -v b="$1" 'BEGIN { printf "%.0f MiB", b / 1048576 }'; }

	avail_kb=$(meminfo_kb MemAvailable)
	need_kb=$((N * 12)) # ~10 KB per loopback pair, plus margin
	if [ "$avail_kb" -lt "$need_kb" ]; then
		echo "bench --scale $N: needs about $((need_kb / 1048576 + 1)) GiB of RAM (~10 KB per loopback connection pair)," \
			"MemAvailable is $((avail_kb / 1048576)) GiB; try a smaller N" >&2
		exit 1
	fi
	if ss -Htln "sport = :$PORT" | grep -q .; then
		echo "bench --scale: port $PORT is in use; set PORT=..." >&2
		exit 1
	fi
	# time budget: connecting at >= 5k conn/s, plus the hold; the client returns by itself at the end
	BUDGET=$((60 + N / 5000 + HOLD))
	echo "tcpswarm scale bench: $N connections, one client and one server command on loopback, $(nproc) CPUs," \
		"$(($(meminfo_kb MemTotal) / 1048576)) GiB RAM, $(uname -r), ulimit -Hn $(ulimit -Hn)"
	echo "limits:         fs.file-max $(cat /proc/sys/fs/file-max), tcp_mem $(tr '\t' ' ' </proc/sys/net/ipv4/tcp_mem)," \
		"ip_local_port_range $(tr '\t' ' ' </proc/sys/net/ipv4/ip_local_port_range), somaxconn $(cat /proc/sys/net/core/somaxconn)"
	# the kernel's own pace on this host right now, for the same N: the floor
	# the time to all below is measured against (tools/connect_floor.c)
	# (first, on the host as found; then its sockets are released and the
	# empty slabs they leave are handed back, so the kernel-memory figures
	# below start from a comparable baseline)
	FLOOR_PORT=${FLOOR_PORT:-7300}
	FLOOR_S=""
	pre_floor=$(sockstat_tcp inuse)
	if timeout $((140 + N / 2000)) "$B/connect_floor" "$N" "$FLOOR_PORT" "$(nproc)" $((120 + N / 2000)) >"$W/floor.out" 2>"$W/floor.err"; then
		FLOOR_S=$(awk '/^connect_floor:/ { for (i = 1; i <= NF; i++) if ($i == "in") { print $(i + 1); exit } }' "$W/floor.out")
	fi
	sed 's/^connect_floor: /floor:          /; s/^  /floor slice    /' "$W/floor.out"
	[ -n "$FLOOR_S" ] || echo "floor:          connect_floor did not hold $N: $(tail -2 "$W/floor.err" | tr '\n' ' ')"
	for _ in $(seq 60); do [ "$(sockstat_tcp inuse)" -le $((pre_floor + 1000)) ] && break; sleep 1; done
	for f in /sys/kernel/slab/*/shrink; do { echo 1 >"$f"; } 2>/dev/null || true; done
	# SCALE_SERVER_ARGS="--accept-batch 0" (say) for a paired comparison
	echo "server:         $BIN server -p $PORT --max-conns $N -q -T $((BUDGET + 120))s --json server.json ${SCALE_SERVER_ARGS:-}"
	# shellcheck disable=SC2086 # the extra arguments are words
	timeout $((BUDGET + 180)) "$BIN" server -p "$PORT" --max-conns "$N" -q -T $((BUDGET + 120))s \
		--json "$W/server.json" ${SCALE_SERVER_ARGS:-} >"$W/server.out" 2>"$W/server.err" &
	SERVER=$!
	for _ in $(seq 200); do
		ss -Htln "sport = :$PORT" | grep -q . && break
		kill -0 "$SERVER" 2>/dev/null || { echo "server exited: $(cat "$W/server.err")" >&2; exit 1; }
		sleep 0.05
	done
	sleep 1 # let every server process settle before the baseline
	BASE_INUSE=$(sockstat_tcp inuse)
	BASE_SLAB=$(meminfo_kb Slab)
	BASE_SUNR=$(meminfo_kb SUnreclaim)
	BASE_FREE=$(meminfo_kb MemFree)
	slab_snapshot >"$W/slab0"
	echo "baseline:       TCP+TCP6 inuse $BASE_INUSE, tw $(sockstat_tcp tw); Slab $((BASE_SLAB / 1024)) MiB, SUnreclaim $((BASE_SUNR / 1024)) MiB"
	CLOSE=${SCALE_CLOSE:-fin} # SCALE_CLOSE=rst: the client's final teardown by RST
	echo "client:         $BIN client 127.0.0.1:$PORT -c $N -r 0 -T ${BUDGET}s -q --close $CLOSE --json client.json   (SIGINT after a ${HOLD} s hold)"
	kcounters >"$W/k0"
	ao_last=$(snmp ActiveOpens)
	t0=$(date +%s.%N)
	timeout $((BUDGET + 60)) "$BIN" client "127.0.0.1:$PORT" -c "$N" -r 0 -T ${BUDGET}s -q --close "$CLOSE" \
		--json "$W/client.json" >"$W/client.out" 2>"$W/client.err" &
	CLIENT=$!
	# connecting: watch the kernel's socket count (2 sockets per loopback connection)
	# and its connects (ActiveOpens, system-wide) per 5-second slice, so the tail shows
	want=$((BASE_INUSE + 2 * N))
	best=0 best_t=0 sec=0 reached=0 ss_at=-5 next=5
	while kill -0 "$CLIENT" 2>/dev/null; do
		sleep 1
		sec=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%d", b - a }') # wall seconds
		now=$(sockstat_tcp inuse)
		if [ "$now" -gt "$best" ]; then best=$now best_t=$sec; fi
		if [ "$sec" -ge "$next" ]; then
			next=$((next + 5))
			ao=$(snmp ActiveOpens)
			echo "  ${sec} s: TCP+TCP6 inuse $now (~$(((now - BASE_INUSE) / 2)) connections); this slice $(((ao - ao_last) / 5)) conn/s" \
				"(ActiveOpens), SYN retransmits $(snmp TCPSynRetrans), ListenOverflows $(snmp ListenOverflows) (totals)"
			ao_last=$ao
		fi
		# every socket there by the (system-wide, hence noisy) count: confirm on the server's
		# port, at most every 5 s: an ss dump of 2M sockets takes ~6 s of a CPU and the ehash
		# bucket locks, and run every second from 99% on it made the last 1% take a minute
		if [ "$now" -ge "$want" ] && [ $((sec - ss_at)) -ge 5 ] && ss_at=$sec &&
			[ "$(ss -Htn state established "( sport = :$PORT )" | wc -l)" -ge "$N" ]; then
			reached=1
			break
		fi
		if [ $((sec - best_t)) -ge 20 ]; then
			echo "  the count has not grown for 20 s: measuring what was reached"
			break
		fi
	done
	t_all=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	kcounters >"$W/k1"
	echo "connect phase:  $(awk 'NR == FNR { a[$1] = $2; next } { printf "%s%s +%d", (n++ ? ", " : ""), $1, $2 - a[$1] }' "$W/k0" "$W/k1") (system-wide)"
	if kill -0 "$CLIENT" 2>/dev/null; then
		echo "holding:        $([ $reached = 1 ] && echo "all $N up" || echo "not all up") after ~${t_all} s (kernel view); holding ${HOLD} s"
		sleep 2 # settle: the last handshakes' slab, epoll items
		h0=$(date +%s)
		HOLD_INUSE=$(sockstat_tcp inuse)
		HOLD_SLAB=$(meminfo_kb Slab)
		HOLD_SUNR=$(meminfo_kb SUnreclaim)
		HOLD_FREE=$(meminfo_kb MemFree)
		slab_snapshot >"$W/slab1"
		ss_t0=$(date +%s.%N)
		SS_EST=$(ss -Htn state established "( sport = :$PORT )" | wc -l)
		ss_s=$(awk -v a="$ss_t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
		left=$((HOLD - ($(date +%s) - h0)))
		[ $left -gt 0 ] && sleep $left
		END_INUSE=$(sockstat_tcp inuse)
		stop_t0=$(date +%s.%N)
		kill -INT "$CLIENT" 2>/dev/null || true
	else
		echo "client exited on its own after ${t_all} s"
		HOLD_INUSE="" SS_EST=""
	fi
	crc=0
	wait "$CLIENT" || crc=$?
	CLIENT=""
	stop_s=$([ -n "${stop_t0:-}" ] && awk -v a="$stop_t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }' || echo "?")
	# the client's workers finish closing on their own: let them (the server stopped now would
	# close the rest itself, as the active closer, and leave TIME-WAIT on its side)
	tw_exit=$(sockstat_tcp tw)
	td=0
	while [ "$(sockstat_tcp inuse)" -gt $((BASE_INUSE + 1000)) ] && [ $td -lt 600 ]; do
		sleep 0.1
		td=$((td + 1))
	done
	teardown="the client's teardown ended $(awk -v t=$td 'BEGIN { printf "%.1f", t / 10 }') s after it exited (TCP+TCP6 inuse $(sockstat_tcp inuse)); TIME-WAIT $tw_exit at its exit, $(sockstat_tcp tw) after"
	kill -INT "$SERVER" 2>/dev/null || true
	src=0
	wait "$SERVER" || src=$?
	SERVER=""
	echo
	[ -s "$W/client.json" ] || { echo "client wrote no JSON (exit $crc): $(tail -5 "$W/client.err")" >&2; exit 1; }
	EST=$(jq .connections.established "$W/client.json")
	echo "result N=$N (client exit $crc, server exit $src)"
	jq -r '"established:    \(.connections.established) of \(.connections.target) (failed \(.connections.failed), peak open \(.connections.peak_open)), \(.processes) client processes, \(.config.source_ips) source IPs"
		+ (if .connections.time_to_all_s then "; all up in \(.connections.time_to_all_s * 10 | round / 10) s = \(.connections.conn_per_s | floor) conn/s" else "; not all established" end)
		+ "; connect p99 \(.connections.connect_latency_us.p99) us"' "$W/client.json"
	[ -n "$FLOOR_S" ] && jq -r --arg f "$FLOOR_S" '.connections.time_to_all_s // empty | . as $t |
		"against floor:  all up in \($t * 10 | round / 10) s; connect_floor held the same N in \($f) s (measured first, this run): \(($f | tonumber) / $t * 100 | round)% of the bare kernel pace"' "$W/client.json"
	jq -r --arg s "$stop_s" '"stop:           the client exited \($s) s after SIGINT; it counts \(.connections.closed_by // {} | to_entries | map("\(.key) \(.value)") | join(", ")) closed of \(.connections.established) established"' "$W/client.json"
	echo "teardown:       $teardown"
	jq -r --arg c "$CLOSE" '.left_on_host // empty | "left behind:    (--close \($c), as the client reported) TIME-WAIT \(.time_wait) of tcp_max_tw_buckets \(.tcp_max_tw_buckets), orphans \(.orphans), TCP in use \(.tcp_inuse), \(.teardown_processes) worker processes still closing"' "$W/client.json"
	[ -s "$W/server.json" ] && jq -r '"server:         accepted \(.connections.accepted), peak open \(.connections.peak_open), \(.processes) server processes"' "$W/server.json"
	if [ -n "$HOLD_INUSE" ]; then
		held=$(((HOLD_INUSE - BASE_INUSE) / 2))
		echo "kernel (hold):  TCP+TCP6 inuse $HOLD_INUSE (+$((HOLD_INUSE - BASE_INUSE)) sockets = $held pairs), $END_INUSE at the end of the hold;" \
			"ss: $SS_EST established on :$PORT (server side, counted in $ss_s s)"
		pairs=${SS_EST:-$held}
		[ "$pairs" -gt 0 ] || pairs=1
		d_slab=$(((HOLD_SLAB - BASE_SLAB) * 1024))
		d_sunr=$(((HOLD_SUNR - BASE_SUNR) * 1024))
		d_free=$(((BASE_FREE - HOLD_FREE) * 1024))
		echo "kernel memory:  Slab +$(fmt_mib $d_slab) = $((d_slab / (2 * pairs))) B per socket, $((d_slab / pairs)) B per loopback pair" \
			"(SUnreclaim +$(fmt_mib $d_sunr) = $((d_sunr / (2 * pairs))) B per socket, $((d_sunr / pairs)) B per pair)"
		echo "                MemFree -$(fmt_mib $d_free) = $((d_free / pairs)) B per pair (everything: kernel, both tools, page cache)"
		echo "                slab caches that grew (bytes per pair):"
		awk -v p="$pairs" 'NR == FNR { a[$1] = $2; next } { d = $2 - a[$1]; if (d > 0) printf "%.0f %s\n", d, $1 }' \
			"$W/slab0" "$W/slab1" | sort -rn | head -8 |
			awk -v p="$pairs" '{ printf "                  %-22s +%7.0f MiB  %6.0f B\n", $2, $1 / 1048576, $1 / p }'
		# procfs inodes are not a socket's cost: they appear when some process lists /proc/PID/fd
		# (a monitoring agent does on some hosts); show the figure without them
		d_proc=$(awk 'NR == FNR { a[$1] = $2; next } $1 == "proc_inode_cache" { d = $2 - a[$1]; printf "%.0f\n", (d > 0 ? d : 0) }' \
			"$W/slab0" "$W/slab1")
		if [ "${d_proc:-0}" -gt $((pairs / 10)) ]; then
			echo "                without proc_inode_cache (+$(fmt_mib "$d_proc"), made by whatever lists /proc/PID/fd, not by TCP):" \
				"$(((d_slab - d_proc) / (2 * pairs))) B per socket, $(((d_slab - d_proc) / pairs)) B per pair"
		fi
	fi
	jq -r '"user memory:    client \(.memory.user_bytes_per_conn | floor) B per connection (RSS \(.memory.rss_base_bytes / 1048576 | floor) -> \(.memory.rss_at_peak_bytes / 1048576 | floor) MiB, slot \(.memory.conn_struct_bytes) B)"' "$W/client.json"
	[ -s "$W/server.json" ] && jq -r '"                server \(.memory.user_bytes_per_conn | floor) B per connection (RSS \(.memory.rss_base_bytes / 1048576 | floor) -> \(.memory.rss_at_peak_bytes / 1048576 | floor) MiB, slot \(.memory.conn_struct_bytes) B)"' "$W/server.json"
	if [ "$EST" -lt "$N" ] || [ "$crc" -ne 0 ]; then
		echo "bound:          reached $EST of $N; the client's diagnosis:"
		jq -r '(.connections.errors // {} | to_entries | map("\(.key) \(.value)") | join(", ") | if . == "" then empty else "                  connect errors: " + . end),
			(.diagnosis[]? | "                  \(.limit): \(.evidence)\n                    fix: \(.fix)")' "$W/client.json"
		tail -3 "$W/client.err" | sed 's/^/                  client stderr: /'
	else
		jq -r 'if (.diagnosis | length) == 0 then "diagnosis:      no limit hit" else "diagnosis:      (every connection was held; kernel counters are system-wide)",
			(.diagnosis[] | "                  \(.limit): \(.evidence)") end' "$W/client.json"
	fi
	wait_released
	echo "TIME-WAIT left: $(sockstat_tcp tw) (tcp_max_tw_buckets $(cat /proc/sys/net/ipv4/tcp_max_tw_buckets); TCPTimeWaitOverflow +$(($(snmp TCPTimeWaitOverflow) - $(awk '$1 == "TCPTimeWaitOverflow" { print $2 }' "$W/k0"))) over the run)"
	exit 0
fi
# ======================= end of the scale section ==========================

# 3. what one message costs the client: echo 32 B at the rows of issue 10's table,
#    3 s each against the tcpswarm server on this machine. CPU is the client's own
#    user+sys (its children's times, read by `times` in a subshell), never wall time;
#    ns/msg = CPU / answered. The figures from the client's JSON. CPU_ROWS="C R ..."
#    replaces the rows; CPU_ARGS adds client options (e.g. --send-window 0 to compare).
#    Where `perf stat` may count tracepoints (root or perf_event_paranoid <= -1), the row
#    also gives the client's syscalls and context switches per message: counts that a
#    loaded host does not move the way it moves CPU time (CPU_SYSCALLS=0 leaves perf out).
cpu_perf_ok() {
	[ "${CPU_SYSCALLS:-1}" != 0 ] && command -v perf >/dev/null &&
		perf stat -x, -o /dev/null -e raw_syscalls:sys_enter,context-switches true >/dev/null 2>&1
}
cpu_row() { # CONNS RATE
	local t u s wrap=() sc=null cs=null
	rm -f "$W/cpu.perf"
	if cpu_perf_ok; then
		wrap=(perf stat -x, -o "$W/cpu.perf" -e raw_syscalls:sys_enter,context-switches --)
	fi
	t=$( (timeout 60 "${wrap[@]}" "$BIN" client "127.0.0.1:$PORT" -c "$1" -r "$2" -T 3s -q --json "$W/cpu.json" \
		${CPU_ARGS:-} >/dev/null 2>&1 || true; times) | tail -1)
	u=$(awk '{ split($1, a, /[ms]/); print a[1] * 60 + a[2] }' <<<"$t")
	s=$(awk '{ split($2, a, /[ms]/); print a[1] * 60 + a[2] }' <<<"$t")
	[ -s "$W/cpu.json" ] || { echo "cpu $1 conns $2/s: the client wrote no JSON"; return; }
	if [ -s "$W/cpu.perf" ]; then
		sc=$(awk -F, '$3 == "raw_syscalls:sys_enter" { print $1 + 0 }' "$W/cpu.perf")
		cs=$(awk -F, '$3 == "context-switches" { print $1 + 0 }' "$W/cpu.perf")
	fi
	jq -r --argjson u "$u" --argjson s "$s" --arg c "$1" --arg r "$2" --argjson sc "${sc:-null}" --argjson cs "${cs:-null}" '
		def ms: . / 1000 | . * 100 | round / 100 | tostring + " ms";
		def per($n): if $n == null or .requests.answered == 0 then "?" else ($n / .requests.answered * 1000 | round / 1000 | tostring) end;
		"cpu \($c) conns, \($r)/s: achieved \(.requests.answered / .duration_s | floor)/s,"
		+ " client CPU \(if .requests.answered > 0 then (($u + $s) * 1e9 / .requests.answered | floor | tostring) else "?" end) ns/msg"
		+ " (user \($u) s, sys \($s) s), send lag p99 \(.send_lag_us.p99 | ms), latency p99 \(.latency_us.p99 | ms),"
		+ " service p99 \(.service_us.p99 | ms); send window \(.config.send_window_us) us"
		+ (if $sc == null then "" else "; per message: \(per($sc)) syscalls, \(per($cs)) context switches" end)' "$W/cpu.json"
	rm -f "$W/cpu.json" "$W/cpu.perf"
}
# The floor under each row: tools/send_floor.c, an echo generator that does
# nothing but one send per connection per 1 ms window (so on time within
# 1 ms, the issue's send-lag bound) and one recv per readable connection,
# against its own echo child. Its CPU per message is what the kernel alone
# charges the sender here; a goal below it cannot be met by any generator
# that uses send()/recv() per socket on this machine.
floor_row() { # CONNS RATE
	local r
	r=$(awk -v s="$2" 'BEGIN { m = 1; u = tolower(substr(s, length(s)))
		if (u == "k") m = 1000; else if (u == "m") m = 1000000
		if (m > 1) s = substr(s, 1, length(s) - 1); printf "%d", s * m }')
	timeout 30 "$B/send_floor" "$1" "$r" 3 1000 || echo "floor $1 conns: send_floor failed"
}
cpu_section() {
	server_start
	set -- ${CPU_ROWS:-5 1m 100 1m 2000 200k}
	while [ $# -ge 2 ]; do
		cpu_row "$1" "$2"
		[ "${CPU_FLOOR:-1}" = 0 ] || floor_row "$1" "$2"
		shift 2
	done
	server_stop
}
if [ -n "$CPU_ONLY" ]; then
	echo "tcpswarm bench --cpu on $(nproc) CPUs, $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg); server and client share this machine"
	cpu_section
	exit 0
fi

echo "tcpswarm bench on $(nproc) CPUs, $(uname -r); server and client share this machine"
echo

# 1. open and hold 15,000 connections (idle), unlimited rate, 1000 in flight.
# time_to_all counts from the client's run start; the issue's figure counts
# from process start (before exec) to the last handshake seen from outside:
# /proc/net/snmp CurrEstab up by 2 x N (both ends of each loopback
# connection), polled every millisecond (system-wide: others' connections
# move it too; "?" when it never got there within the timeout).
since_exec_established() { # WANT TIMEOUT_S CMD...: runs CMD; prints ms from its fork to CurrEstab +WANT
	perl -MTime::HiRes=time,sleep -e '
		my ($want, $timeout, @cmd) = @ARGV;
		sub est { open(my $f, "<", "/proc/net/snmp") or return 0; my @h;
			while (<$f>) { my @x = split; next if $x[0] ne "Tcp:";
				if (!@h) { @h = @x; next } for my $i (0 .. $#h) { return $x[$i] if $h[$i] eq "CurrEstab" } }
			return 0 }
		my $base = est(); my $t0 = time; my $pid = fork() // die "fork: $!";
		if (!$pid) { open(STDOUT, ">", "/dev/null"); exec(@cmd) or exit 127 }
		my $ms = "?";
		while (time - $t0 < $timeout) { if (est() >= $base + $want) { $ms = sprintf("%.0f", (time - $t0) * 1000); last } sleep(0.001) }
		waitpid($pid, 0); print "$ms\n"; exit($? >> 8)' "$@"
}
server_start
EXEC_MS=$(since_exec_established 30000 6 "$BIN" client "127.0.0.1:$PORT" -c 15000 -T 6s -q --json "$W/hold.json")
sleep 0.2
server_stop
jq -r --arg x "$EXEC_MS" '"hold 15000:     established \(.connections.established) in \(.connections.time_to_all_s*1000|floor) ms = \(.connections.conn_per_s|floor) conn/s (time_to_all, from run start); \($x) ms from process start to the last handshake (CurrEstab; goal < 250); connect p99 \(.connections.connect_latency_us.p99) us"' "$W/hold.json"
# idle memory: connects paced over 3 s so RSS is sampled at several counts
# (the marginal cost per connection, not fixed costs), server in one process
server_start --processes 1
"$BIN" client "127.0.0.1:$PORT" -c 15000 --connect-rate 5k -T 5s -q --json "$W/mem.json" >/dev/null
sleep 0.2
server_stop
jq -r '"memory client:  \(.memory.user_bytes_per_conn|floor) B user memory per idle connection (\(.memory.method); slot \(.memory.conn_struct_bytes) B)"' "$W/mem.json"
jq -r '"memory server:  \(.memory.user_bytes_per_conn|floor) B user memory per idle connection (\(.memory.method); slot \(.memory.conn_struct_bytes) B)"' "$W/server.json"

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

cpu_section

# 4. HTTP against a real peer (nginx), where wrk is installed:
#    a) tcpswarm server -m http vs nginx, both under the same wrk load: req/s ratio;
#    b) tcpswarm client --proto http vs wrk, both against nginx: req/s ratio and p99.
#       wrk is closed loop (each connection waits for its answer), so its p99 hides
#       queueing (coordinated omission); tcpswarm runs open loop at wrk's rate and
#       counts latency from each request's intended send time.
if ! command -v wrk >/dev/null || ! PATH=$PATH:/usr/sbin command -v nginx >/dev/null; then
	echo "http vs peers: skipped (install wrk and nginx-light: tools/deps.sh wrk nginx-light)"
	exit 0
fi
(
	set -- "$BIN"
	source tests/integration/peer_lib.sh # start_nginx, free_port, cleanup of what it starts
	NGX=$(free_port)
	start_nginx "$NGX" 1024
	TSW=$(free_port)
	start_server "$TSW" -m http --processes 1 -w 1 # one worker, as nginx here (worker_processes 1)
	wrk_run() { # URL -> "req/s p99_ms"
		wrk -t2 -c100 -d5s --latency "$1" 2>&1 | awk '/Requests\/sec/ {r=$2} / 99%/ {p=$2} END {print r, p}'
	}
	read -r ngx_rps ngx_p99 < <(wrk_run "http://127.0.0.1:$NGX/?length=1024")
	read -r tsw_rps tsw_p99 < <(wrk_run "http://127.0.0.1:$TSW/?length=1024")
	echo "http server, wrk -t2 -c100 -d5s, 1 KiB bodies: tcpswarm -m http $tsw_rps req/s (p99 $tsw_p99)," \
		"nginx $ngx_rps req/s (p99 $ngx_p99): ratio $(awk -v a="$tsw_rps" -v b="$ngx_rps" 'BEGIN {printf "%.2f", a/b}')"
	rate=$(awk -v r="$ngx_rps" 'BEGIN {printf "%d", r}')
	"$BIN" client --proto http "127.0.0.1:$NGX" -c 100 --length 1024 -r "$rate" -T 5s -q --json "$WORK/c.json" >/dev/null
	ans=$(jq '.requests.answered / .duration_s | floor' "$WORK/c.json")
	p99=$(jq '.latency_us.p99' "$WORK/c.json")
	echo "http client vs nginx, 100 connections, 1 KiB: wrk $ngx_rps req/s (p99 $ngx_p99, closed loop);" \
		"tcpswarm open loop at that rate: $ans req/s answered (p99 ${p99} us from intended send times):" \
		"ratio $(awk -v a="$ans" -v b="$ngx_rps" 'BEGIN {printf "%.2f", a/b}')"
	# closed loop at full speed, both clients the same shape: 100 connections, one request in
	# flight each, 5 s, against the same nginx
	"$BIN" client --proto http "127.0.0.1:$NGX" -c 100 --length 1024 -r max -T 5s -q --json "$WORK/max.json" >/dev/null
	max_rps=$(jq '.requests.answered / .duration_s | floor' "$WORK/max.json")
	max_p99=$(jq '.latency_us.p99' "$WORK/max.json")
	echo "http client vs nginx, -r max (closed loop), 100 connections, 1 KiB: tcpswarm $max_rps req/s (p99 $max_p99 us)," \
		"wrk $ngx_rps req/s: ratio $(awk -v a="$max_rps" -v b="$ngx_rps" 'BEGIN {printf "%.2f", a/b}')"
	stop_server
	# reopen rate: an nginx that closes after every answer (keepalive_requests 1), the client
	# holding 100 connections at -r max: connections the server closed per second that the
	# client replaced
	stop_peer nginx "$NGINX_PID" # one nginx at a time: start_nginx reuses its directory
	NGX1=$(free_port)
	start_nginx "$NGX1" 1024 1
	"$BIN" client --proto http "127.0.0.1:$NGX1" -c 100 --length 1024 -r max -T 5s -q --json "$WORK/reopen.json" >/dev/null
	jq -r '"reopen rate, nginx keepalive_requests 1, 100 connections held at -r max: \(.connections.reopened / .duration_s | floor) reopens/s, \(.requests.answered / .duration_s | floor) answers/s, peak open \(.connections.peak_open), not sent while down \(.requests.not_sent_down // 0)"' "$WORK/reopen.json"
)
