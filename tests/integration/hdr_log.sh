# Time series out. (1) --csv and --hdr-log stream while the run goes: during
# a 4 s run FILE.partial already holds >= 2 rows; after it, FILE has one row
# a second (epoch_s rising by ~1 s, near now) and no .partial remains.
# (2) HdrHistogram's own HistogramLogProcessor (Debian libhdrhistogram-java)
# reads the --hdr-log: its whole-log count equals the JSON's latency count
# and its p50/p99 match the JSON's within one bucket (0.1%). (3) SIGINT still
# renames both files into place. (4) --hdr-log naming --json's file, or an
# unwritable place, is refused before the load.
source "$(dirname "$0")/peer_lib.sh"
peer_install libhdrhistogram-java default-jre-headless
JAR=$(dpkg -L libhdrhistogram-java | grep -m1 '/hdrhistogram\.jar$') || fail "no hdrhistogram.jar in libhdrhistogram-java"
JAVA=$(peer_cmd java)
PORT=$(free_port)
start_server "$PORT" -w 1

C=$WORK/c.csv H=$WORK/h.hlog
timeout 30 "$BIN" client "127.0.0.1:$PORT" -c 20 -r 2k -T 4s -w 1 -q --max-send-lag 50ms \
	--csv "$C" --hdr-log "$H" --json "$WORK/c.json" >"$WORK/summary" 2>"$WORK/client.err" &
CLIENT=$!
PIDS+=("$CLIENT")
seen=0
for _ in $(seq 1 80); do
	# header + 2 rows in the CSV, header (5 lines) + 2 intervals in the log
	if [ -f "$C.partial" ] && [ "$(wc -l <"$C.partial")" -ge 3 ] && [ "$(grep -c '^[0-9]' "$H.partial")" -ge 2 ]; then
		kill -0 "$CLIENT" 2>/dev/null && seen=1
		break
	fi
	sleep 0.1
done
partial_rows=$(($(wc -l <"$C.partial" 2>/dev/null || echo 1) - 1))
rc=0
wait "$CLIENT" || rc=$?
[ "$rc" -eq 0 ] || fail "client exited $rc: $(cat "$WORK/client.err")"
[ "$seen" -eq 1 ] || fail "no 2 streamed rows in $C.partial / $H.partial while the client ran"
[ ! -e "$C.partial" ] && [ ! -e "$H.partial" ] || fail "a .partial file remains after the run"
head -n 1 "$C" | grep -q '^t,open,new_conns,.*,own_send_lag_p99_us,epoch_s,conns_intended$' || fail "CSV header: $(head -n 1 "$C")"
rows=$(($(wc -l <"$C") - 1))
[ "$rows" -eq 4 ] || fail "CSV has $rows rows for a 4 s run, expected 4"
awk -F, -v now="$(date +%s)" 'NR > 1 { if ($1 != NR - 1 || $24 < now - 60 || $24 > now + 1 || $25 != "") bad = 1;
	if (NR > 2 && ($24 - prev < 0.8 || $24 - prev > 1.2)) bad = 1; prev = $24 } END { exit bad }' "$C" ||
	fail "t, epoch_s or (no --conn-schedule: empty) conns_intended columns wrong: $(cut -d, -f1,24,25 "$C" | tr '\n' ' ')"
grep -q '^#\[StartTime: [0-9.]* (seconds since epoch)' "$H" && grep -q 'microseconds' "$H" || fail "HDR log header"

# HdrHistogram reads it back: the last CSV line of its interval log carries
# the totals (count, p50 in column 7, p99 in column 9) over the whole log
"$JAVA" -cp "$JAR" org.HdrHistogram.HistogramLogProcessor -i "$H" -o "$WORK/hdr" -csv -outputValueUnitRatio 1 \
	>"$WORK/java.out" 2>&1 || fail "HistogramLogProcessor failed: $(tail -n 5 "$WORK/java.out")"
last=$(grep '^[0-9]' "$WORK/hdr" | tail -n 1)
hcount=$(echo "$last" | cut -d, -f6)
hp50=$(echo "$last" | cut -d, -f7)
hp99=$(echo "$last" | cut -d, -f9)
count=$(jq .latency_us.count "$WORK/c.json")
p50=$(jq .latency_us.p50 "$WORK/c.json")
p99=$(jq .latency_us.p99 "$WORK/c.json")
[ "$count" -gt 4000 ] || fail "only $count latencies at 2k/s for 4 s"
[ "$hcount" = "$count" ] || fail "HdrHistogram counts $hcount latencies, tcpswarm $count"
within() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 1 + b / 1000) }'; }
within "$hp50" "$p50" || fail "p50: HdrHistogram $hp50, tcpswarm $p50"
within "$hp99" "$p99" || fail "p99: HdrHistogram $hp99, tcpswarm $p99"

# SIGINT: both files whole, under their names
timeout 30 "$BIN" client "127.0.0.1:$PORT" -c 5 -r 500 -T 20s -w 1 -q --csv "$WORK/i.csv" --hdr-log "$WORK/i.hlog" \
	>/dev/null 2>"$WORK/int.err" &
CLIENT=$!
PIDS+=("$CLIENT")
for _ in $(seq 1 80); do
	[ -f "$WORK/i.csv.partial" ] && [ "$(wc -l <"$WORK/i.csv.partial")" -ge 2 ] && break
	sleep 0.1
done
kill -INT "$CLIENT"
rc=0
wait "$CLIENT" || rc=$?
[ "$rc" -eq 0 ] || fail "client exited $rc after SIGINT: $(cat "$WORK/int.err")"
[ -s "$WORK/i.csv" ] && [ -s "$WORK/i.hlog" ] || fail "SIGINT: --csv or --hdr-log not renamed into place"
[ ! -e "$WORK/i.csv.partial" ] && [ ! -e "$WORK/i.hlog.partial" ] || fail "SIGINT: a .partial file remains"
[ "$(wc -l <"$WORK/i.csv")" -ge 2 ] || fail "SIGINT: no row in the CSV"

expect_usage_error "name the same file" client --hdr-log "$WORK/x.json" --json "$WORK/x.json" "127.0.0.1:$PORT"
# aliases: the streaming name of another report, and the same file by another path
expect_usage_error "name the same file" client --csv "$WORK/a" --json "$WORK/a.partial" "127.0.0.1:$PORT"
expect_usage_error "name the same file" client --csv "$WORK/b" --hdr-log "$WORK/./b" "127.0.0.1:$PORT"
# a symbolic link planted at FILE.partial is replaced, never written through
echo victim >"$WORK/victim"
ln -s "$WORK/victim" "$WORK/v.csv.partial"
timeout 30 "$BIN" client "127.0.0.1:$PORT" -q -c 1 -T 1s -r 10 --csv "$WORK/v.csv" >/dev/null ||
	fail "a run over a planted FILE.partial link failed"
[ "$(cat "$WORK/victim")" = victim ] || fail "the report was written through a planted FILE.partial link"
[ -f "$WORK/v.csv" ] && [ ! -L "$WORK/v.csv" ] || fail "the CSV is not a plain file after a planted link"
expect_usage_error "option --hdr-log: cannot write" client --hdr-log /nonexistent-dir/h.hlog "127.0.0.1:$PORT"
[ ! -e "$WORK/x.json" ] || fail "a refused run wrote its JSON"
stop_server
echo "PASS hdr_log: $partial_rows rows streamed mid-run, $rows rows; HdrHistogram count $hcount p50 $hp50 p99 $hp99," \
	"tcpswarm count $count p50 $p50 p99 $p99"
