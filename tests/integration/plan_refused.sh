# A plan that cannot fit is refused before any connect, exit 2, with the
# numbers: 100k connections from one given source IP to one target.
source "$(dirname "$0")/lib.sh"
PORT=$(free_port)
rc=0
timeout 10 "$BIN" client "127.0.0.1:$PORT" -c 100k --source 127.0.0.2 -T 1s >"$WORK/out" 2>"$WORK/err" || rc=$?
cat "$WORK/err"
[ "$rc" -eq 2 ] || fail "expected exit 2, got $rc"
grep -q "the plan cannot fit" "$WORK/err" || fail "no 'the plan cannot fit'"
grep -q "ip_local_port_range" "$WORK/err" || fail "the port range is not named"
grep -q "use at least [0-9]* source IPs" "$WORK/err" || fail "no source-IP remedy with a number"
# nothing was attempted: no socket to that port ever existed
[ ! -s "$WORK/out" ] || fail "a summary was printed for a refused plan"
# fewer descriptors than one process needs and --processes 1 forced
rc=0
(ulimit -n 256 && timeout 10 "$BIN" client "127.0.0.1:$PORT" -c 1000 --processes 1 -T 1s) >"$WORK/out" 2>"$WORK/err" || rc=$?
cat "$WORK/err"
[ "$rc" -eq 2 ] || fail "expected exit 2 under ulimit -n 256 with --processes 1, got $rc"
grep -q "RLIMIT_NOFILE" "$WORK/err" || fail "the rlimit is not named"
echo "PASS plan_refused"
