# tcpswarm client --tls against real TLS servers, stock settings otherwise:
# unbound with a DNS-over-TLS listener (RFC 7858: tls-service-key/pem on a
# tls-port) and nginx with one HTTPS server block (listen PORT ssl). The
# certificate is made here with openssl; the client verifies it with --ca.
# Every connection's handshake completes, every request sent is answered
# (NOERROR / 2xx), and --tls-resume under churn resumes sessions at both.
source "$(dirname "$0")/peer_lib.sh"
peer_install unbound openssl
peer_install_any nginx nginx-light nginx

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/tls.key" -out "$WORK/tls.pem" -days 2 -subj /CN=localhost \
	-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null || fail "openssl req failed"

# check_tls JSON CONNS: every connection's handshake done, all sent answered, no error
check_tls() {
	local c=$1 n=$2
	json "$c" ".connections.established >= $n and .connections.failed == 0 and
		.connections.tls.handshakes_full + .connections.tls.handshakes_resumed == .connections.established and
		.connections.handshake_us.count == .connections.established" >/dev/null ||
		fail "handshakes: $(jq -c '.connections | del(.connect_latency_us, .handshake_us)' "$c")"
	json "$c" '.requests.answered > 0 and .requests.answered == .requests.sent and .requests.errors == 0 and
		.requests.lost == 0' >/dev/null || fail "requests: $(jq -c .requests "$c")"
}

# --- unbound: DNS over TLS -------------------------------------------------
UPORT=$(free_port)
DOT=$(free_port)
start_unbound "$UPORT" "interface: 127.0.0.1@$DOT
	tls-port: $DOT
	tls-service-key: \"$WORK/tls.key\"
	tls-service-pem: \"$WORK/tls.pem\""
wait_peer unbound "$UNBOUND_PID" "$DOT" "$WORK/unbound/unbound.log"
rc=0
timeout 60 "$BIN" client --proto dns --qname example.com --tls --ca "$WORK/tls.pem" --sni localhost \
	"127.0.0.1:$DOT" -c 20 -r 400 -T 3s -q --max-send-lag 10s --json "$WORK/dot.json" >"$WORK/dot.out" 2>&1 || rc=$?
cat "$WORK/dot.out"
[ "$rc" -eq 0 ] || fail "DNS over TLS: client exited $rc"
check_tls "$WORK/dot.json" 20
json "$WORK/dot.json" '.requests.by_rcode.NOERROR == .requests.answered' >/dev/null ||
	fail "DoT: not only NOERROR: $(jq -c .requests.by_rcode "$WORK/dot.json")"
rc=0
timeout 60 "$BIN" client --proto dns --qname example.com --tls --ca "$WORK/tls.pem" --tls-resume --conn-requests 4 \
	"127.0.0.1:$DOT" -c 4 -r 80 -T 3s -q --max-send-lag 10s --json "$WORK/dot-res.json" >"$WORK/dot-res.out" 2>&1 ||
	rc=$?
[ "$rc" -eq 0 ] || fail "DoT resume: client exited $rc: $(cat "$WORK/dot-res.out")"
check_tls "$WORK/dot-res.json" 4
json "$WORK/dot-res.json" '.connections.tls.handshakes_resumed > 0' >/dev/null ||
	fail "DoT: no resumed handshake: $(jq -c .connections.tls "$WORK/dot-res.json")"
stop_peer unbound "$UNBOUND_PID"

# --- nginx: HTTPS ----------------------------------------------------------
NPORT=$(free_port)
d=$WORK/nginx
mkdir -p "$d/tmp" "$WORK/www"
printf 'hello over tls\n' >"$WORK/www/index.html"
cat >"$d/nginx.conf" <<EOF2
daemon off;
master_process on;
worker_processes 1;
user root;
pid $d/nginx.pid;
lock_file $d/nginx.lock;
error_log $d/error.log warn;
events {
	worker_connections 1024;
}
http {
	access_log $d/access.log;
	client_body_temp_path $d/tmp/body;
	proxy_temp_path $d/tmp/proxy;
	fastcgi_temp_path $d/tmp/fastcgi;
	uwsgi_temp_path $d/tmp/uwsgi;
	scgi_temp_path $d/tmp/scgi;
	server {
		listen 127.0.0.1:$NPORT ssl;
		ssl_certificate $WORK/tls.pem;
		ssl_certificate_key $WORK/tls.key;
		root $WORK/www;
	}
}
EOF2
nginx=$(peer_cmd nginx)
"$nginx" -t -p "$d/" -c "$d/nginx.conf" >"$d/check.log" 2>&1 || fail "nginx -t rejects the config: $(cat "$d/check.log")"
timeout 120 "$nginx" -p "$d/" -c "$d/nginx.conf" >"$d/stdout.log" 2>&1 &
NGINX_PID=$!
PIDS+=("$NGINX_PID")
wait_peer nginx "$NGINX_PID" "$NPORT" "$d/error.log"
rc=0
timeout 60 "$BIN" client "https://localhost:$NPORT/" -4 --ca "$WORK/tls.pem" --alpn http/1.1 -c 20 -r 400 -T 3s -q \
	--max-send-lag 10s --json "$WORK/https.json" >"$WORK/https.out" 2>&1 || rc=$?
cat "$WORK/https.out"
[ "$rc" -eq 0 ] || fail "HTTPS: client exited $rc"
check_tls "$WORK/https.json" 20
json "$WORK/https.json" '.requests.by_status["2xx"] == .requests.answered and .connections.tls.alpn_missed == 0' \
	>/dev/null || fail "HTTPS: $(jq -c '[.requests.by_status, .connections.tls]' "$WORK/https.json")"
rc=0
timeout 60 "$BIN" client "https://localhost:$NPORT/" -4 --ca "$WORK/tls.pem" --tls-resume --conn-requests 4 -c 4 -r 80 \
	-T 3s -q --max-send-lag 10s --json "$WORK/https-res.json" >"$WORK/https-res.out" 2>&1 || rc=$?
[ "$rc" -eq 0 ] || fail "HTTPS resume: client exited $rc: $(cat "$WORK/https-res.out")"
check_tls "$WORK/https-res.json" 4
json "$WORK/https-res.json" '.connections.tls.handshakes_resumed > 0' >/dev/null ||
	fail "HTTPS: no resumed handshake: $(jq -c .connections.tls "$WORK/https-res.json")"
stop_peer nginx "$NGINX_PID"
echo "PASS peer_tls: unbound DoT $(jq .requests.answered "$WORK/dot.json") answers, nginx HTTPS $(jq .requests.answered "$WORK/https.json"); resumed $(jq .connections.tls.handshakes_resumed "$WORK/dot-res.json") and $(jq .connections.tls.handshakes_resumed "$WORK/https-res.json")"
