# Shared helpers for tests against REAL peers (unbound, nginx, dig, wrk, ab).
# Source it instead of lib.sh: it sources lib.sh (BIN, WORK, PIDS, fail,
# free_port, start_server, json...). Every peer runs as this test's own
# foreground process on a free 127.0.0.1 port, with its config, logs, pid
# and temp files in $WORK, and is stopped by PID on exit (lib.sh's trap):
# no systemd, no init script, nothing left in /etc, /run or /var.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# peer_install PKG...: tools/deps.sh installs what is missing (as root; CI is).
peer_install() {
	"$ROOT/tools/deps.sh" "$@" >"$WORK/deps.log" 2>&1 ||
		fail "tools/deps.sh $* failed: $(tail -n 5 "$WORK/deps.log")"
}

# peer_install_any CMD PKG...: CMD on PATH (or in /usr/sbin) or install the
# first of the PKGs this release has (nginx-light is gone after bookworm).
peer_install_any() {
	local cmd=$1
	shift
	PATH=$PATH:/usr/sbin:/sbin command -v "$cmd" >/dev/null && return 0
	local p
	for p in "$@"; do
		"$ROOT/tools/deps.sh" "$p" >>"$WORK/deps.log" 2>&1 && return 0
	done
	fail "none of $* could be installed for $cmd: $(tail -n 5 "$WORK/deps.log")"
}

peer_cmd() { PATH=$PATH:/usr/sbin:/sbin command -v "$1" || fail "$1 not installed"; }

# wait_peer NAME PID PORT LOG: PORT listens on TCP while PID is alive (10 s).
wait_peer() {
	local name=$1 pid=$2 port=$3 log=$4
	for _ in $(seq 1 200); do
		kill -0 "$pid" 2>/dev/null ||
			fail "$name exited before listening on $port: $(tail -n 20 "$log" 2>/dev/null)"
		ss -Htln "sport = :$port" | grep -q . && return 0
		sleep 0.05
	done
	fail "$name did not listen on $port within 10 s: $(tail -n 20 "$log" 2>/dev/null)"
}

# stop_peer NAME PID: SIGTERM, then it must be gone within 10 s (else KILL).
stop_peer() {
	local name=$1 pid=$2
	kill -TERM "$pid" 2>/dev/null || return 0
	for _ in $(seq 1 200); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null || true
		echo "warning: $name ($pid) ignored SIGTERM for 10 s, killed" >&2
	fi
	wait "$pid" 2>/dev/null || true
}

# start_unbound PORT [EXTRA_SERVER_LINES]: unbound in the foreground on
# 127.0.0.1:PORT, TCP on, answering example.com. A 127.0.0.7 from a static
# local zone (no recursion, no network). Sets UNBOUND_PID. The TCP limits
# hold 500+ connections: unbound shortens the idle timeout of every TCP
# connection once more than half of incoming-num-tcp is in use (to 0 past
# 80%), so the table is sized 4x the load and the idle timeout is 120 s.
start_unbound() {
	local port=$1 extra=${2:-}
	local unbound
	unbound=$(peer_cmd unbound)
	mkdir -p "$WORK/unbound"
	cat >"$WORK/unbound/unbound.conf" <<EOF
server:
	verbosity: 1
	num-threads: 1
	interface: 127.0.0.1
	port: $port
	do-ip4: yes
	do-ip6: no
	do-udp: yes
	do-tcp: yes
	incoming-num-tcp: 2048
	outgoing-num-tcp: 10
	outgoing-range: 64
	num-queries-per-thread: 4096
	tcp-idle-timeout: 120000
	edns-tcp-keepalive: yes
	edns-tcp-keepalive-timeout: 120000
	so-reuseport: no
	access-control: 127.0.0.0/8 allow
	do-daemonize: no
	chroot: ""
	username: ""
	directory: "$WORK/unbound"
	pidfile: "$WORK/unbound/unbound.pid"
	use-syslog: no
	logfile: "$WORK/unbound/unbound.log"
	module-config: "iterator"
	local-zone: "example.com." static
	local-data: "example.com. 300 IN A 127.0.0.7"
	$extra
remote-control:
	control-enable: no
EOF
	"$(dirname "$unbound")/unbound-checkconf" "$WORK/unbound/unbound.conf" >"$WORK/unbound/checkconf.log" 2>&1 ||
		fail "unbound-checkconf rejects the config: $(cat "$WORK/unbound/checkconf.log")"
	timeout 120 "$unbound" -d -c "$WORK/unbound/unbound.conf" >"$WORK/unbound/stdout.log" 2>&1 &
	UNBOUND_PID=$!
	PIDS+=("$UNBOUND_PID")
	wait_peer unbound "$UNBOUND_PID" "$port" "$WORK/unbound/unbound.log"
}

# start_nginx PORT MAXLEN [KEEPALIVE_REQUESTS]: nginx in the foreground on
# 127.0.0.1:PORT serving GET /?length=N as exactly N bytes for 1 <= N <=
# MAXLEN (static files $WORK/www/len/N, chosen by try_files), 404 otherwise.
# Keep-alive is nginx's stock one (keepalive_requests 1000, keepalive_timeout
# 75s: what a user meets), or closes after KEEPALIVE_REQUESTS requests when
# given. Sets NGINX_PID (the master; SIGTERM stops it and its worker). The
# worker stays root (ignored when not root): $WORK is mode 0700, so a worker
# switched to nobody could not read the files.
start_nginx() {
	local port=$1 maxlen=$2 ka_requests=${3:-}
	local nginx n s ka=""
	[ -z "$ka_requests" ] || ka="keepalive_requests $ka_requests;"
	nginx=$(peer_cmd nginx)
	local d=$WORK/nginx
	mkdir -p "$d/tmp" "$WORK/www/len"
	# N bytes each, built from one string with bash builtins (no fork per file)
	s=$(head -c "$maxlen" /dev/zero | tr '\0' 'x')
	for ((n = 1; n <= maxlen; n++)); do
		printf '%s' "${s:0:n}" >"$WORK/www/len/$n"
	done
	cat >"$d/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 1;
user root;
worker_rlimit_nofile 16384;
pid $d/nginx.pid;
lock_file $d/nginx.lock;
error_log $d/error.log warn;
events {
	worker_connections 4096;
}
http {
	access_log $d/access.log combined buffer=64k flush=1s;
	client_body_temp_path $d/tmp/body;
	proxy_temp_path $d/tmp/proxy;
	fastcgi_temp_path $d/tmp/fastcgi;
	uwsgi_temp_path $d/tmp/uwsgi;
	scgi_temp_path $d/tmp/scgi;
	default_type application/octet-stream;
	$ka
	sendfile on;
	tcp_nodelay on;
	server {
		listen 127.0.0.1:$port backlog=4096;
		server_name _;
		root $WORK/www;
		location / {
			try_files /len/\$arg_length =404;
		}
	}
}
EOF
	"$nginx" -t -p "$d/" -c "$d/nginx.conf" >"$d/check.log" 2>&1 ||
		fail "nginx -t rejects the config: $(cat "$d/check.log")"
	timeout 120 "$nginx" -p "$d/" -c "$d/nginx.conf" >"$d/stdout.log" 2>&1 &
	NGINX_PID=$!
	PIDS+=("$NGINX_PID")
	wait_peer nginx "$NGINX_PID" "$port" "$d/error.log"
}

# dig_tcp PORT ARGS...: one DNS-over-TCP query to 127.0.0.1:PORT, 3 s bound.
dig_tcp() {
	local port=$1
	shift
	timeout 10 dig +tcp +time=3 +tries=1 @127.0.0.1 -p "$port" "$@"
}

# dig_status OUT: the RCODE dig printed (NOERROR, NXDOMAIN, FORMERR...).
dig_status() { sed -n 's/.*status: \([A-Z]*\),.*/\1/p' "$1" | head -n 1; }

# dig_answers OUT TYPE: the RDATA of each TYPE record in the answer section.
dig_answers() {
	awk -v t="$2" '/^;; ANSWER SECTION:/ {a = 1; next} /^$/ {a = 0} a && $4 == t {print $5}' "$1"
}

# http_get PORT PATH: one HTTP/1.1 GET over bash /dev/tcp (no curl needed);
# prints the raw response (status line, headers, body). Connection: close.
http_get() {
	local port=$1 path=$2
	timeout 5 bash -c '
		exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
		printf "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n" "$2" "$1" >&3
		cat <&3' _ "$port" "$path"
}

# http_status RESPONSE_FILE: the status code; http_body_len RESPONSE_FILE:
# bytes after the blank line that ends the head (bodies here are text).
http_status() { head -n 1 "$1" | awk '{print $2}'; }
http_body_len() {
	local LC_ALL=C r=
	IFS= read -r -d '' r <"$1" || true
	local h=${r%%$'\r\n\r\n'*}
	[ "$h" != "$r" ] || { echo -1; return; }
	echo $(($(wc -c <"$1") - ${#h} - 4))
}
