# tcpswarm server -m http, byte for byte: pipelined requests answered in
# order with the asked lengths, the default and the cap, HTTP/1.0 closes,
# and a malformed request gets 400 and a close.
source "$(dirname "$0")/lib.sh"
PORT=$(free_port)
start_server "$PORT" -m http --max-length 100 --processes 1 -w 1
ask() { # RAW_REQUEST_BYTES -> the server's whole answer (it closes, or 2 s)
	timeout 3 bash -c 'exec 3<>/dev/tcp/127.0.0.1/'"$PORT"'; printf "%b" "$1" >&3; timeout 2 cat <&3' _ "$1" || true
}
# three pipelined requests in one write; the last asks to close
out=$(ask 'GET /?length=3 HTTP/1.1\r\nHost: x\r\n\r\nGET /?length=1 HTTP/1.1\r\nHost: x\r\n\r\nGET /?length=2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
lens=$(printf '%s' "$out" | grep -a -o 'Content-Length: [0-9]*' | awk '{printf "%s ", $2}')
[ "$lens" = "3 1 2 " ] || fail "pipelined answers out of order or wrong: Content-Length $lens"
bodies=$(printf '%s' "$out" | tr -d '\r' | awk 'BEGIN{RS="HTTP/1.1 "} NR>1 {n=split($0, a, "\n\n"); printf "%s|", a[2]}')
[ "$bodies" = "xxx|x|xx|" ] || fail "bodies: $bodies"
# no length: 1024 by default, capped by --max-length 100
out=$(ask 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
printf '%s' "$out" | grep -aq 'Content-Length: 100' || fail "default length not capped at 100: $out"
# HTTP/1.0 without keep-alive: answered, then closed (ask returns before its 2 s)
start=$(date +%s%N)
out=$(ask 'GET /?length=5 HTTP/1.0\r\n\r\n')
ms=$((($(date +%s%N) - start) / 1000000))
printf '%s' "$out" | grep -aq 'Content-Length: 5' || fail "HTTP/1.0: $out"
[ "$ms" -lt 1500 ] || fail "HTTP/1.0 connection not closed by the server ($ms ms)"
# garbage: 400 and a close
out=$(ask 'BLAH\r\n\r\n')
printf '%s' "$out" | grep -aq '^HTTP/1.1 400' || fail "no 400 for garbage: $out"
out=$(ask 'GET /?length=abc HTTP/1.1\r\nHost: x\r\n\r\n')
printf '%s' "$out" | grep -aq '^HTTP/1.1 400' || fail "no 400 for length=abc: $out"
stop_server
echo "PASS server_http"
