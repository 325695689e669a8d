# The live line fits the terminal (issue 16): under a real pseudo-terminal
# (script(1)) at 80 and 200 columns, and at 0 (the tty does not say: 80),
# no live line is wider than the terminal, the most important fields
# (elapsed/total, connections, answered against the schedule's intended
# rate) are always there, and 200 columns carry more fields than 80.
source "$(dirname "$0")/lib.sh"
command -v script >/dev/null || fail "script(1) (util-linux) is needed"
PORT=$(free_port)
start_server "$PORT"

# live COLS: runs a 3 s client with a rate schedule on a pty COLS wide; the
# live lines, escapes stripped, one per line, in $WORK/live.COLS
live() {
	local cols=$1
	script -qfec "stty cols $cols; $BIN client 127.0.0.1:$PORT -c 20 -T 3s --rate-schedule 0s:200,3s:600 \
		>$WORK/summary.$cols" "$WORK/raw.$cols" >/dev/null </dev/null || fail "client on a $cols-column pty failed"
	# each second rewrites the line: \r, ESC[K, the text; split on \r and \n
	tr '\r' '\n' <"$WORK/raw.$cols" | sed -e 's/\x1b\[[0-9;]*[A-Za-z]//g' |
		grep -E '^ *[0-9]+s' >"$WORK/live.$cols" || true
	[ "$(wc -l <"$WORK/live.$cols")" -ge 2 ] || fail "$cols columns: fewer than 2 live lines: $(cat -v "$WORK/raw.$cols")"
}
widest() { awk '{ if (length($0) > w) w = length($0) } END { print w + 0 }' "$1"; }
# fields: two spaces part them (a field's own words one space)
fields() { sed -e 's/^ *//' "$1" | awk -F'  +' '{ if (NF > f) f = NF } END { print f + 0 }'; }

for cols in 80 200 0; do
	live "$cols"
	max=$cols
	[ "$cols" -eq 0 ] && max=80
	w=$(widest "$WORK/live.$cols")
	echo "$cols columns: widest live line $w, at most $(fields "$WORK/live.$cols") fields"
	[ "$w" -le "$max" ] || fail "$cols columns: a live line is $w wide: $(cat "$WORK/live.$cols")"
	while read -r line; do
		echo "$line" | grep -Eq '^[0-9]+s/3s ' || fail "$cols columns: no elapsed/total in: $line"
		echo "$line" | grep -q 'conn 20/20' || fail "$cols columns: no connections in: $line"
		echo "$line" | grep -Eq 'ans [0-9.k]+(/s intended |/)[0-9.k]+/s' ||
			fail "$cols columns: no answered against intended in: $line"
	done <"$WORK/live.$cols"
	grep -q '^requests' "$WORK/summary.$cols" || fail "$cols columns: no summary: $(cat "$WORK/summary.$cols")"
done
[ "$(widest "$WORK/live.200")" -gt 80 ] || fail "200 columns: no line used the room: $(cat "$WORK/live.200")"
[ "$(fields "$WORK/live.200")" -gt "$(fields "$WORK/live.80")" ] ||
	fail "200 columns carry no more fields than 80: $(cat "$WORK/live.200") / $(cat "$WORK/live.80")"
grep -q 'p50 .* p99 ' "$WORK/live.200" || fail "200 columns: no p50/p99: $(cat "$WORK/live.200")"
stop_server
echo "PASS live_width"
