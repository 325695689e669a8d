#!/usr/bin/env bash
# Runs one tcpswarm plan on a fleet: a server on one host, client shards on a
# list of hosts, all through pdsh; collects every JSON report and merges the
# client shards with `tcpswarm merge`. No daemon, no agent: pdsh (Debian's
# package) and tcpswarm on each host are all it needs.
#
#   tools/fleet.sh -w HOSTS -S HOST [options] -- CLIENT_ARGS...
#
#   -w HOSTS    client hosts, a pdsh host list (a,b,c or node[1-8]); host k of
#               the list (in the order given) runs --shard k/N
#   -S HOST     the server host: runs `tcpswarm server -p PORT SERVER_ARGS`
#               (leave out to load a target that is already running)
#   -t ADDR     the target the clients connect to (default HOST:PORT of -S)
#   -p PORT     the server's port (default 7000)
#   -A ARGS     more server arguments, one word-split string (e.g. '--processes 1')
#   -R RCMD     pdsh's remote command module: ssh (default, real machines) or
#               exec (a local lab: with -x 'ip netns exec %h' a host is a netns)
#   -x PREFIX   a command prefix for every host; pdsh puts the host in for %h
#   -b BIN      tcpswarm on the hosts (default: tcpswarm on their PATH)
#   -B BIN      tcpswarm here, for the merge (default: -b, else PATH)
#   -s SECONDS  lead time: the shards start together (--start-at) this many
#               seconds after launch (default 5; the hosts' clocks must agree,
#               e.g. by NTP)
#   -m SECONDS  the server stops by itself after this long at most (default 3600)
#   -d DIR      where the reports go (default ./fleet-YYYYmmdd-HHMMSS):
#               server.json, c1.json .. cN.json, total.json and the logs
#   -o FILE     the merged report (default DIR/total.json)
#
# Each client runs `tcpswarm client ADDR CLIENT_ARGS --shard k/N --start-at T
# -q --json ...`, so CLIENT_ARGS is the whole plan (-c, -r, -T, --source...)
# as if one machine ran it. Reports travel back on pdsh's output (between
# TSW-JSON markers); nothing is copied with scp. Exit status: 0 when every
# shard ran and merged, 1 when a shard or the server failed, 2 on bad usage;
# the merge's own status otherwise.
#
# Example (three machines load a fourth):
#   tools/fleet.sh -w load1,load2,load3 -S 10.0.0.1 -- -c 300k -r 100k -T 60s
set -euo pipefail
PROG=$(basename "$0")

usage() {
	sed -n '/^#   tools/,/^#   -o/p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
}
die() {
	echo "$PROG: $*" >&2
	exit 1
}

HOSTS="" SERVER="" TARGET="" PORT=7000 SARGS="" RCMD=ssh PREFIX="" BIN=tcpswarm LBIN="" LEAD=5 MAXS=3600 DIR="" OUT=""
while getopts "w:S:t:p:A:R:x:b:B:s:m:d:o:h" opt; do
	case $opt in
	w) HOSTS=$OPTARG ;;
	S) SERVER=$OPTARG ;;
	t) TARGET=$OPTARG ;;
	p) PORT=$OPTARG ;;
	A) SARGS=$OPTARG ;;
	R) RCMD=$OPTARG ;;
	x) PREFIX=$OPTARG ;;
	b) BIN=$OPTARG ;;
	B) LBIN=$OPTARG ;;
	s) LEAD=$OPTARG ;;
	m) MAXS=$OPTARG ;;
	d) DIR=$OPTARG ;;
	o) OUT=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ "${1:-}" = "--" ] && shift
CARGS=("$@")
[ -n "$HOSTS" ] || { echo "$PROG: -w HOSTS is required" >&2; usage; }
[ -n "$SERVER" ] || [ -n "$TARGET" ] || { echo "$PROG: give -S HOST or -t ADDR" >&2; usage; }
[[ $PORT =~ ^[0-9]+$ && $LEAD =~ ^[0-9]+$ && $MAXS =~ ^[0-9]+$ ]] || { echo "$PROG: -p, -s, -m take numbers" >&2; usage; }
case $RCMD in ssh | exec) ;; *) echo "$PROG: -R takes ssh or exec" >&2; usage ;; esac
command -v pdsh >/dev/null || die "pdsh not found (apt-get install pdsh)"
[ -n "$LBIN" ] || LBIN=$BIN
[ -n "$TARGET" ] || TARGET=$SERVER:$PORT
DIR=${DIR:-fleet-$(date +%Y%m%d-%H%M%S)}
OUT=${OUT:-$DIR/total.json}
mkdir -p "$DIR"
ID=$$-$(date +%s) # names this run's temp directories on the hosts

# sq WORD: WORD in single quotes, for a remote shell.
Q="'"
sq() { printf "'%s'" "${1//$Q/$Q\\$Q$Q}"; }

# on HOSTS SCRIPT: runs the sh SCRIPT on every host through pdsh. The exec
# module passes argv as is; ssh joins it for the remote shell, so quote there.
# pdsh fills in %h (host) and %n (its rank in the list, from 0) in both.
on() {
	local hosts=$1 script=$2 pre=()
	[ -n "$PREFIX" ] && read -r -a pre <<<"$PREFIX"
	[ "$RCMD" = ssh ] && script=$(sq "$script")
	pdsh -S -R "$RCMD" -w "$hosts" "${pre[@]}" sh -c "$script"
}

# The host list as pdsh expands it (node[1-3] -> three), for N.
NSHARDS=$(pdsh -R exec -w "$HOSTS" -N echo %h | wc -l)
[ "$NSHARDS" -ge 1 ] || die "-w '$HOSTS' names no host"

# extract FILE PREFIX: the reports between the markers in pdsh's output,
# "host: line" each, into DIR/PREFIX<k>.json (PREFIX.json for the server).
extract() {
	awk -v dir="$DIR" -v pre="$2" '
	{ i = index($0, ": "); if (!i) next; h = substr($0, 1, i - 1); l = substr($0, i + 2) }
	l ~ /^TSW-JSON-BEGIN/ { split(l, a, " "); f[h] = dir "/" pre a[2] ".json"; printf "" > f[h]; next }
	l == "TSW-JSON-END" { close(f[h]); delete f[h]; next }
	(h in f) { print l > f[h] }' "$1"
}

# --- the server: started first, stopped when the clients are done --------
SRVDIR=/tmp/tcpswarm-fleet-$ID-srv
stop_server() {
	[ -n "$SERVER" ] && [ -n "${SRV_PID:-}" ] || return 0
	on "$SERVER" "touch $SRVDIR/stop" >/dev/null 2>&1 || true
	local rc=0
	wait "$SRV_PID" || rc=$?
	SRV_PID=""
	return $rc
}
trap 'stop_server || true' EXIT
if [ -n "$SERVER" ]; then
	read -r -a sargs <<<"$SARGS"
	sw=""
	for a in "${sargs[@]}"; do sw="$sw $(sq "$a")"; done
	on "$SERVER" "d=$SRVDIR; rm -rf \$d; mkdir -p \$d || exit 1
$(sq "$BIN") server -p $PORT -q$sw --json \$d/server.json >\$d/server.out 2>&1 &
pid=\$!; n=0
until ss -Htln 'sport = :$PORT' | grep -q .; do
	kill -0 \$pid 2>/dev/null || { cat \$d/server.out >&2; rm -rf \$d; exit 1; }
	n=\$((n + 1)); [ \$n -lt 200 ] || { echo 'server not listening after 10 s' >&2; kill \$pid; exit 1; }
	sleep 0.05
done
echo TSW-READY
n=0
while [ ! -e \$d/stop ] && [ \$n -lt $((MAXS * 5)) ] && kill -0 \$pid 2>/dev/null; do sleep 0.2; n=\$((n + 1)); done
kill -INT \$pid 2>/dev/null; wait \$pid; rc=\$?
cat \$d/server.out >&2
if [ -s \$d/server.json ]; then echo 'TSW-JSON-BEGIN'; cat \$d/server.json; echo; echo TSW-JSON-END; fi
rm -rf \$d; exit \$rc" >"$DIR/server.pdsh" 2>"$DIR/server.log" &
	SRV_PID=$!
	for _ in $(seq 1 300); do
		grep -q ': TSW-READY$' "$DIR/server.pdsh" && break
		kill -0 "$SRV_PID" 2>/dev/null || die "server on $SERVER failed: $(tail -n 5 "$DIR/server.log")"
		sleep 0.1
	done
	grep -q ': TSW-READY$' "$DIR/server.pdsh" || die "server on $SERVER not ready after 30 s"
fi

# --- the client shards: one pdsh over every host, shard = rank + 1 -------
AT=$(($(date +%s) + LEAD))
cw=""
for a in "${CARGS[@]}"; do cw="$cw $(sq "$a")"; done
echo "$PROG: $NSHARDS shards of '${CARGS[*]}' against $TARGET, starting at $(date -u -d "@$AT" +%FT%TZ)" >&2
crc=0
on "$HOSTS" "i=\$((%n + 1)); d=/tmp/tcpswarm-fleet-$ID-c\$i; rm -rf \$d; mkdir -p \$d || exit 1
$(sq "$BIN") client $(sq "$TARGET")$cw --shard \$i/$NSHARDS --start-at $AT -q --json \$d/c.json >&2; rc=\$?
if [ -s \$d/c.json ]; then echo \"TSW-JSON-BEGIN \$i\"; cat \$d/c.json; echo; echo TSW-JSON-END; fi
rm -rf \$d; exit \$rc" >"$DIR/clients.pdsh" 2>"$DIR/clients.log" || crc=$?
extract "$DIR/clients.pdsh" c

src=0
stop_server || src=$?
[ -z "$SERVER" ] || extract "$DIR/server.pdsh" server

got=$(find "$DIR" -maxdepth 1 -name 'c[0-9]*.json' | wc -l)
[ "$got" -eq "$NSHARDS" ] || die "only $got of $NSHARDS shard reports came back (see $DIR/clients.log)"
shards=()
for k in $(seq 1 "$NSHARDS"); do shards+=("$DIR/c$k.json"); done
mrc=0
"$LBIN" merge "${shards[@]}" -o "$OUT" --text || mrc=$?
[ "$mrc" -eq 0 ] || exit "$mrc"
[ "$crc" -eq 0 ] || die "a client shard exited $crc (see $DIR/clients.log)"
[ "$src" -eq 0 ] || die "the server exited $src (see $DIR/server.log)"
echo "$PROG: merged $NSHARDS shards into $OUT${SERVER:+; server report: $DIR/server.json}" >&2
