# --connect-lanes: with more workers than lanes, first opens take turns.
# A listener of our own records the source IP of every connection in
# accept order (the accept queue is FIFO, and on loopback the handshake
# completes inside connect()), and each client worker has a source IP of
# its own: in one lane the workers connect one after another, in two lanes
# worker 2 starts only after worker 0 started all of its own, worker 3
# after worker 1; the in-flight cap is one count over all workers; workers
# waiting for their turn leave at SIGINT.
# Threads of one process take turns the same way (TSan runs this too).
source "$(dirname "$0")/lib.sh"

cat >"$WORK/order.py" <<'PY'
import socket, sys, time
port, n, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen(4096)
s.settimeout(20)
held, order = [], []
while len(order) < n:
    c, a = s.accept()
    held.append(c)
    order.append(a[0])
with open(out + ".tmp", "w") as f:
    f.write("\n".join(order) + "\n")
import os
os.rename(out + ".tmp", out)
time.sleep(3)  # hold until the client is done
PY

listen_order() { # N: the recorder in the background, on a port of its own
	PORT=$(free_port)
	rm -f "$WORK/order"
	timeout 30 python3 "$WORK/order.py" "$PORT" "$1" "$WORK/order" 2>"$WORK/order.err" &
	RECORDER=$!
	PIDS+=("$RECORDER")
	wait_listening "$PORT"
}
SHAPE=(--processes 4 -w 1)
client() { # LANES ARGS...: 400 connections from 4 workers (SHAPE), one source IP each, at
	# most 4 connects in flight (so each worker needs many loop turns to open its share)
	local lanes=$1 rc=0
	shift
	timeout 30 "$BIN" client "127.0.0.1:$PORT" -c 400 --connect-inflight 4 "${SHAPE[@]}" --source 127.0.0.2-127.0.0.5 \
		--connect-lanes "$lanes" -T 1s -q --close rst --json "$WORK/c.json" "$@" >"$WORK/c.out" 2>&1 || rc=$?
	[ "$rc" -eq 0 ] || fail "client --connect-lanes $lanes exited $rc: $(cat "$WORK/c.out")"
	for _ in $(seq 100); do [ -s "$WORK/order" ] && break; sleep 0.05; done
	[ -s "$WORK/order" ] || fail "--connect-lanes $lanes: the listener recorded nothing: $(cat "$WORK/order.err")"
	[ "$(wc -l <"$WORK/order")" -eq 400 ] || fail "--connect-lanes $lanes: the listener saw $(wc -l <"$WORK/order") of 400"
	kill "$RECORDER" 2>/dev/null || true
	wait "$RECORDER" 2>/dev/null || true
}
runs() { uniq "$WORK/order" | tr '\n' ' '; } # the source IPs in accept order, repeats folded
last() { grep -n "^$1\$" "$WORK/order" | tail -1 | cut -d: -f1; }
first() { grep -n "^$1\$" "$WORK/order" | head -1 | cut -d: -f1; }

# 1. one lane: the four workers' connections never interleave
listen_order 400
client 1
[ "$(runs)" = "127.0.0.2 127.0.0.3 127.0.0.4 127.0.0.5 " ] || fail "one lane, accept order by source: $(runs)"
json "$WORK/c.json" '.config.connect_lanes == 1 and .connections.established == 400' >/dev/null ||
	fail "one lane: $(jq -c '[.config.connect_lanes, .connections.established]' "$WORK/c.json")"

# ...and four worker threads of one process
SHAPE=(--processes 1 -w 4)
listen_order 400
client 1
[ "$(runs)" = "127.0.0.2 127.0.0.3 127.0.0.4 127.0.0.5 " ] || fail "one lane, threads, accept order by source: $(runs)"
SHAPE=(--processes 4 -w 1)

# 2. two lanes: 0 then 2, 1 then 3
listen_order 400
client 2
[ "$(first 127.0.0.4)" -gt "$(last 127.0.0.2)" ] || fail "two lanes: worker 2 began before worker 0 had started all: $(runs)"
[ "$(first 127.0.0.5)" -gt "$(last 127.0.0.3)" ] || fail "two lanes: worker 3 began before worker 1 had started all: $(runs)"
json "$WORK/c.json" '.config.connect_lanes == 2' >/dev/null || fail "two lanes: $(jq -c .config.connect_lanes "$WORK/c.json")"

# 3. 0, or paced opens: no turns
listen_order 400
client 0
json "$WORK/c.json" '.config.connect_lanes == 0 and .connections.established == 400' >/dev/null ||
	fail "--connect-lanes 0: $(jq -c '[.config.connect_lanes, .connections.established]' "$WORK/c.json")"
listen_order 400
client 1 --connect-rate 1k
json "$WORK/c.json" '.config.connect_lanes == 0 and .connections.established == 400' >/dev/null ||
	fail "--connect-rate: $(jq -c '[.config.connect_lanes, .connections.established]' "$WORK/c.json")"

# 4. the in-flight cap is one count over all workers: each worker's share
# (40) fits the cap (50), so a chain that hands on with its connects still
# in flight would have all 160 pending at once. Against a queue that never
# drains (SYNs dropped) the client's SYN-SENT sockets say how many are, and
# from which worker (its source IP). Then SIGINT while workers wait their
# turn: they leave within a publish interval.
PORT=$(free_port)
start_server "$PORT" --backlog 1 --accept-pause 60s --processes 1 -w 1
timeout 30 "$BIN" client "127.0.0.1:$PORT" -c 160 --processes 4 -w 1 --source 127.0.0.2-127.0.0.5 --connect-lanes 1 \
	--connect-inflight 50 --connect-timeout 30s -T 30s -q --json "$WORK/hang.json" >"$WORK/hang.out" 2>&1 &
C=$!
PIDS+=("$C")
syn_sent() { ss -Htn state syn-sent "( dport = :$PORT )"; }
pending=0
for _ in $(seq 100); do # until worker 1 has joined (past worker 0's 40), at most 10 s
	pending=$(syn_sent | wc -l)
	[ "$pending" -le 50 ] || fail "$pending connects in flight at once, --connect-inflight 50"
	[ "$pending" -gt 40 ] && break
	sleep 0.1
done
[ "$pending" -gt 40 ] || fail "only $pending connects in flight: worker 0 (40) did not hand on with its own pending"
sleep 0.5
pending=$(syn_sent | wc -l)
[ "$pending" -le 50 ] || fail "$pending connects in flight at once, --connect-inflight 50"
late=$(syn_sent | awk '{ print $3 }' | grep -c -E '^127\.0\.0\.[45]:' || true)
[ "$late" -eq 0 ] || fail "$late connects from workers 2 and 3 while worker 1 had not handed on"
start=$(date +%s%N)
kill -INT "$C"
wait "$C" || true
ms=$((($(date +%s%N) - start) / 1000000))
[ "$ms" -lt 3000 ] || fail "SIGINT with workers waiting their turn: exit took $ms ms"
json "$WORK/hang.json" '.interrupted == true and .config.connect_lanes == 1' >/dev/null ||
	fail "after SIGINT: $(jq -c '{interrupted, lanes: .config.connect_lanes}' "$WORK/hang.json" 2>&1)"
stop_server
echo "PASS connect_lanes ($pending of 160 connects in flight under a cap of 50; SIGINT with waiting workers: exit in $ms ms)"
