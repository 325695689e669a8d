# Hostile servers against every client protocol (issue 13): a fake server
# (hostile_fake_server.py) answers http with a bad status line, a huge
# header, bad chunk sizes, Content-Length overflows or two of them, an
# early close, garbage over TLS; dns with a wrong id, a truncated reply,
# length 0; raw without the --reply-delim ever; echo frames shifted; or a
# close at once. Every client must end
# on time (-T 1s, bound 30 s), write a complete JSON, count what went
# wrong (protocol errors, or a peer close with requests lost), and no
# sanitizer may speak. Six clients run at a time.
source "$(dirname "$0")/lib.sh"
HERE=$(dirname "$0")
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/k.pem" -out "$WORK/c.pem" -days 2 -subj "/CN=localhost" \
	2>/dev/null || fail "openssl req failed"
# name | fake kind | what the client's JSON must show | client options
CASES=(
	"http_bad_status|http_bad_status|errors|--proto http"
	"http_huge_header|http_huge_header|errors|--proto http"
	"http_bad_chunk|http_bad_chunk|errors|--proto http"
	"http_cl_overflow|http_cl_overflow|errors|--proto http"
	"http_early_close|http_early_close|closed|--proto http"
	"http_garbage_tls|garbage|errors|--proto http --tls --insecure"
	"dns_wrong_id|dns_wrong_id|errors|--proto dns"
	"dns_truncated|dns_truncated|closed|--proto dns"
	"dns_len0|dns_len0|errors|--proto dns"
	"raw_no_delim|raw_no_delim|lost|--proto raw -m PING\r\n --reply-delim \r\n"
	"echo_shifted|echo_shifted|errors|--proto echo"
	"echo_close_at_once|close_at_once|closed|--proto echo"
)
declare -A port client
for c in "${CASES[@]}"; do
	IFS='|' read -r name kind _ opts <<<"$c"
	tlsargs=()
	[[ "$opts" == *--tls* ]] && tlsargs=("$WORK/c.pem" "$WORK/k.pem")
	timeout 60 python3 "$HERE/hostile_fake_server.py" 0 "$kind" "${tlsargs[@]}" >"$WORK/fake.$name.port" \
		2>"$WORK/fake.$name.err" &
	PIDS+=("$!")
done
# each fake prints its port once it listens (no ss: slow on a host full of TIME-WAIT)
for c in "${CASES[@]}"; do
	IFS='|' read -r name _ _ _ <<<"$c"
	for _ in $(seq 1 200); do
		[ -s "$WORK/fake.$name.port" ] && break
		sleep 0.05
	done
	port[$name]=$(cat "$WORK/fake.$name.port")
	[ -n "${port[$name]}" ] || fail "$name: the fake server did not listen within 10 s: $(cat "$WORK/fake.$name.err")"
done
check() {
	local name=$1 want=$2 rc=0
	wait "${client[$name]}" || rc=$?
	J=$WORK/$name.json
	[ "$rc" -ne 124 ] || fail "$name: the client did not end within 30 s"
	[ "$rc" -lt 128 ] || fail "$name: the client died of signal $((rc - 128)): $(tail -5 "$WORK/$name.err")"
	! grep -Ei "sanitizer|runtime error" "$WORK/$name.err" || fail "$name: sanitizer report above"
	jq -e .requests "$J" >/dev/null || fail "$name: no complete JSON (exit $rc): $(tail -3 "$WORK/$name.err")"
	case $want in
	errors) q='.requests.errors > 0 and .connections.closed_by.protocol_error > 0' ;;
	closed) q='.connections.closed_by.peer_closed > 0 and .requests.lost > 0' ;;
	lost) q='.requests.lost > 0 and .requests.answered == 0' ;;
	esac
	jq -e "$q" "$J" >/dev/null ||
		fail "$name: want $want, got requests $(jq -c .requests "$J" | head -c 300) closed_by $(jq -c .connections.closed_by "$J")"
	echo "$name: exit $rc, $(jq -c '[.requests.sent, .requests.errors, .requests.lost, .connections.closed_by]' "$J")"
}
# six clients at a time: 2 CPUs under sanitizers
batch=()
for i in "${!CASES[@]}"; do
	IFS='|' read -r name _ want opts <<<"${CASES[$i]}"
	# shellcheck disable=SC2086 # opts are words
	timeout 30 "$BIN" client -q -c 2 -w 1 --processes 1 -r 20 -T 1s --drain 200ms --json "$WORK/$name.json" \
		$opts "127.0.0.1:${port[$name]}" >"$WORK/$name.out" 2>"$WORK/$name.err" &
	client[$name]=$!
	PIDS+=("$!")
	batch+=("$name|$want")
	if [ "${#batch[@]}" -eq 6 ] || [ "$i" -eq $((${#CASES[@]} - 1)) ]; then
		for b in "${batch[@]}"; do
			check "${b%|*}" "${b#*|}"
		done
		batch=()
	fi
done
echo "PASS hostile_clients: every client protocol counts a hostile server's answers and ends on time"
