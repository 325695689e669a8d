# tcpswarm server -m dns against a real DNS client: dig over TCP gets NOERROR
# and 127.0.0.1 (A) / ::1 (AAAA) for any name; with --name, other names get
# NXDOMAIN. Malformed frames sent over bash /dev/tcp get FORMERR or a close,
# and the server still answers dig afterwards and exits 0 on SIGINT; its
# JSON counts each RCODE it sent as often as the clients received it.
source "$(dirname "$0")/peer_lib.sh"
peer_install_any dig dnsutils bind9-dnsutils
declare -A GOT # RCODE name -> replies received from the current server

# ask ARGS...: dig over TCP into $WORK/dig.out; dig must get a clean answer
# (its ID and question matched: no warning) and the status is in $STATUS.
ask() {
	dig_tcp "$PORT" "$@" >"$WORK/dig.out" 2>&1 || fail "dig $* failed: $(cat "$WORK/dig.out")"
	grep -q '^;; Got answer:' "$WORK/dig.out" || fail "dig $*: no answer: $(cat "$WORK/dig.out")"
	! grep -qi 'warning\|mismatch' "$WORK/dig.out" || fail "dig $* complains: $(cat "$WORK/dig.out")"
	STATUS=$(dig_status "$WORK/dig.out")
	GOT[$STATUS]=$((${GOT[$STATUS]:-0} + 1))
}

# expect NAME TYPE STATUS [RDATA]: dig's status, and the only TYPE answer.
expect() {
	local name=$1 type=$2 want=$3 rdata=${4:-}
	ask "$name" "$type"
	[ "$STATUS" = "$want" ] || fail "$name $type: status $STATUS, expected $want: $(cat "$WORK/dig.out")"
	local got
	got=$(dig_answers "$WORK/dig.out" "$type" | tr '\n' ' ')
	[ "$got" = "${rdata:+$rdata }" ] || fail "$name $type: answers '$got', expected '$rdata': $(cat "$WORK/dig.out")"
	echo "ok: dig $name $type -> $STATUS ${rdata:-(no answer)}"
}

# raw PRINTF_FORMAT: send those bytes on a fresh connection and print what
# came back: "rcode N id X" for a length-prefixed reply, "closed" when the
# server closed with no reply, "silent" when neither happened within 3 s.
raw() {
	local out rc=0
	out=$(timeout 3 bash -c '
		exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 3
		trap "" PIPE
		printf "$2" >&3 2>/dev/null
		set -- $(head -c 2 <&3 2>/dev/null | od -An -v -tu1)
		[ $# -eq 2 ] || { echo closed; exit 0; }
		len=$(($1 * 256 + $2))
		set -- $(head -c "$len" <&3 2>/dev/null | od -An -v -tu1)
		[ $# -ge 4 ] || { echo "short reply of $# bytes"; exit 0; }
		echo "rcode $(($4 & 15)) id $(($1 * 256 + $2))"' _ "$PORT" "$1") || rc=$?
	[ "$rc" -eq 124 ] && out=silent
	[ "$rc" -eq 3 ] && fail "cannot connect to the server on $PORT"
	echo "$out"
}

# garbage NAME PRINTF_FORMAT: FORMERR (rcode 1) or a close, never silence.
BAD=0 # malformed frames sent to the current server
garbage() {
	local r
	BAD=$((BAD + 1))
	r=$(raw "$2")
	case "$r" in
	"rcode 1 "*) GOT[FORMERR]=$((${GOT[FORMERR]:-0} + 1)) && echo "ok: $1 -> FORMERR ($r)" ;;
	closed) echo "ok: $1 -> closed" ;;
	*) fail "$1 ('$2'): got '$r', expected FORMERR (rcode 1) or a close" ;;
	esac
	kill -0 "$SERVER_PID" 2>/dev/null || fail "server died after $1: $(cat "$WORK/server.err")"
}

# send_and_leave NAME PRINTF_FORMAT: send, close without reading a reply
send_and_leave() {
	BAD=$((BAD + 1))
	timeout 3 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"; trap "" PIPE; printf "$2" >&3 2>/dev/null' \
		_ "$PORT" "$2" || true
	echo "sent: $1, then closed"
}

# check_counts SERVER_JSON: the server counted every NOERROR/NXDOMAIN reply
# as received (GOT), and FORMERR at least as often as received and at most
# once per malformed frame sent (a reply to one we did not read counts too);
# then GOT and BAD start over for the next server.
check_counts() {
	local f=$1 k formerr=${GOT[FORMERR]:-0}
	unset 'GOT[FORMERR]'
	for k in NOERROR NXDOMAIN; do
		json "$f" "(.requests.by_rcode.$k // 0) == ${GOT[$k]:-0}" >/dev/null ||
			fail "server counted $(jq -c .requests.by_rcode "$f"), clients received $k ${GOT[$k]:-0}"
	done
	json "$f" "(.requests.by_rcode | keys - [\"NOERROR\", \"NXDOMAIN\", \"FORMERR\"]) == []" >/dev/null ||
		fail "server sent RCODEs nobody asked for: $(jq -c .requests.by_rcode "$f")"
	json "$f" "(.requests.by_rcode.FORMERR // 0) as \$x | \$x >= $formerr and \$x <= $BAD" >/dev/null ||
		fail "server counted $(jq -c .requests.by_rcode "$f"): FORMERR received $formerr, malformed frames sent $BAD"
	echo "ok: server's by_rcode $(jq -c .requests.by_rcode "$f") (FORMERR received $formerr, malformed sent $BAD)"
	GOT=()
	BAD=0
}

HDR='\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00' # id 0x1234, RD, QDCOUNT 1

# --- any name -----------------------------------------------------------------
PORT=$(free_port)
start_server "$PORT" -m dns --json "$WORK/server1.json"
expect example.com A NOERROR 127.0.0.1
expect example.com AAAA NOERROR ::1
expect other.org A NOERROR 127.0.0.1
expect www.Example.COM AAAA NOERROR ::1
ask +noedns example.com A
[ "$STATUS" = NOERROR ] || fail "+noedns example.com A: status $STATUS"
[ "$(dig_answers "$WORK/dig.out" A)" = 127.0.0.1 ] || fail "+noedns: answer $(cat "$WORK/dig.out")"
echo "ok: dig +noedns example.com A -> NOERROR 127.0.0.1"

# a well-formed query by hand: the reply carries its ID and NOERROR
r=$(raw "\\x00\\x1d$HDR\\x07example\\x03com\\x00\\x00\\x01\\x00\\x01")
[ "$r" = "rcode 0 id 4660" ] || fail "hand-made query for example.com A: got '$r', expected 'rcode 0 id 4660'"
GOT[NOERROR]=$((GOT[NOERROR] + 1))
echo "ok: hand-made query -> $r"

garbage "5-byte message (shorter than a header)" '\x00\x05hello'
garbage "header only, QDCOUNT 1 and no question" "\\x00\\x0c$HDR"
garbage "question cut inside a label" "\\x00\\x13$HDR\\x07exam\\x00\\x01"
garbage "compression pointer to itself" "\\x00\\x12$HDR\\xc0\\x0c\\x00\\x01\\x00\\x01"
garbage "label longer than 63" "\\x00\\x16$HDR\\x40abcdefgh\\x00"
garbage "zero-length frame" '\x00\x00'
# frames cut short by a client that goes away (the server may refuse a frame
# longer than its buffer at once, or wait for the rest: both are fine)
send_and_leave "frame announcing 512 bytes, 20 sent" '\x02\x00AAAAAAAAAAAAAAAAAAAA'
send_and_leave "frame announcing 65535 bytes, 20 sent" '\xff\xffAAAAAAAAAAAAAAAAAAAA'
send_and_leave "HTTP on the DNS port ('GE' announces 18245 bytes)" 'GET / HTTP/1.1\r\nHost: x\r\n\r\n'
send_and_leave "400 bytes of 0xff" "$(printf '\\xff%.0s' $(seq 400))"
sleep 0.2
kill -0 "$SERVER_PID" 2>/dev/null || fail "server died after truncated frames / junk: $(cat "$WORK/server.err")"

# still serving after all of that
expect example.com A NOERROR 127.0.0.1
expect example.com AAAA NOERROR ::1
stop_server
echo "ok: server exited 0 on SIGINT after garbage"
check_counts "$WORK/server1.json"

# --- only --name, others NXDOMAIN; --answer -----------------------------------
PORT=$(free_port)
start_server "$PORT" -m dns --name example.com --answer 127.0.0.9 --json "$WORK/server2.json"
expect example.com A NOERROR 127.0.0.9
expect EXAMPLE.com. A NOERROR 127.0.0.9
expect example.com AAAA NOERROR ::1
expect other.org A NXDOMAIN
expect www.example.com A NXDOMAIN
expect example.com A NOERROR 127.0.0.9
stop_server
check_counts "$WORK/server2.json"
echo "PASS peer_dig: dig over TCP gets the right answers; garbage gets FORMERR or a close; server survives"
