#!/usr/bin/env bash
# A two-host lab on one machine: network namespaces PREFIX-srv and PREFIX-cli
# joined by a veth pair, so the server sees the client's own source addresses
# (not 127.0.0.1) and the two sides have separate kernels' worth of TCP state
# (port ranges, accept queues, conntrack) as on two real hosts.
#
#   tools/netns-lab.sh up [K]     create the lab (K client alias addresses, default 8)
#   tools/netns-lab.sh down       delete both namespaces (the veth pair goes with them)
#   tools/netns-lab.sh status     show what exists (exit 0 up, 3 down, 1 partial)
#   tools/netns-lab.sh nat-up [K [LO-HI]]
#                                 a NAT lab instead: K client namespaces (default 3) behind
#                                 a router namespace that masquerades them towards the
#                                 server, so the server sees one source address; LO-HI sets
#                                 the router's ip_local_port_range, and its masquerade maps
#                                 onto those ports (default: the router's own range)
#   tools/netns-lab.sh nat-down   delete the NAT lab's namespaces (down does too)
#
# Addresses (all /24 on the veth, called veth0 on both sides):
#   PREFIX-srv  10.200.0.1
#   PREFIX-cli  10.200.0.2, plus aliases 10.200.0.101 .. 10.200.0.(100+K)
# NAT lab addresses:
#   PREFIX-srv  10.201.0.1/24 on veth0
#   PREFIX-rtr  10.201.0.254/24 on wan (the one source address the server sees),
#               10.202.I.1/24 on cI for client I; forwarding on, iptables MASQUERADE out of wan
#   PREFIX-cI   10.202.I.2/24 on veth0, default route via 10.202.I.1 (I = 1..K)
# Environment: TSW_LAB_PREFIX (default tsw) names the namespaces, so a test can
# use its own. Needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN). Sets no sysctl:
# each namespace starts with the kernel's defaults for its own network stack.
set -euo pipefail

PREFIX=${TSW_LAB_PREFIX:-tsw}
SRV=$PREFIX-srv
CLI=$PREFIX-cli
IFACE=veth0
NET=10.200.0
SRV_IP=$NET.1
CLI_IP=$NET.2
ALIAS_BASE=100 # aliases are $NET.101 .. $NET.(100+K)
PROG=$(basename "$0")

die() {
	echo "$PROG: $*" >&2
	exit 1
}

usage() {
	cat <<EOF
usage: $PROG up [K] | down | status
  up [K]   create namespaces $SRV and $CLI joined by a veth pair: $SRV_IP/24 in $SRV,
           $CLI_IP/24 plus K aliases $NET.$((ALIAS_BASE + 1)).. in $CLI (K 1 to 154, default 8)
  down     delete both namespaces (the veth pair goes with them)
  status   show the lab, either kind (exit 0 up, 3 down, 1 partly there)
  nat-up [K [LO-HI]]  a NAT lab: K client namespaces $PREFIX-c1.. (default 3, at most 50) behind
           $PREFIX-rtr, which masquerades them to $PREFIX-srv (10.201.0.1) as 10.201.0.254; LO-HI:
           the router's ip_local_port_range, onto which its masquerade maps source ports
  nat-down delete the NAT lab (as down)
Environment: TSW_LAB_PREFIX (default tsw) names the namespaces PREFIX-srv and PREFIX-cli.
EOF
}

# The EXIT trap of up and nat-up: when they failed, the namespaces they had
# made (LAB_MADE, global: the trap runs after the function has returned).
LAB_MADE=()
LAB_VERB=up
undo_made() {
	local rc=$? ns
	if [ "$rc" -ne 0 ]; then
		echo "$PROG: $LAB_VERB failed; removing what it created: ${LAB_MADE[*]:-nothing}" >&2
		for ns in "${LAB_MADE[@]:-}"; do
			if [ -n "$ns" ]; then ip netns del "$ns" 2>/dev/null || true; fi
		done
	fi
}

ns_exists() { ip netns list 2>/dev/null | awk '{print $1}' | grep -xF -- "$1" >/dev/null; }

need_root() {
	[ "$(id -u)" -eq 0 ] || die "must run as root (creating network namespaces needs CAP_SYS_ADMIN); try: sudo $0 $*"
	command -v ip >/dev/null || die "'ip' (iproute2) not found; install it: apt-get install iproute2"
	ip netns list >/dev/null 2>&1 || die "'ip netns' does not work here: $(ip netns list 2>&1 | head -1)"
}

validate_prefix() {
	[[ $PREFIX =~ ^[A-Za-z0-9][A-Za-z0-9_.-]{0,40}$ ]] ||
		die "TSW_LAB_PREFIX '$PREFIX' is not a usable name (letters, digits, '_', '.', '-'; at most 41 characters)"
}

# Aliases currently on the client side, one per line.
aliases() {
	ip -n "$CLI" -4 -o addr show dev "$IFACE" 2>/dev/null |
		awk '{split($4, a, "/"); print a[1]}' | grep -vxF "$CLI_IP" || true
}

# Both namespaces exist with the veth up and the two main addresses on it.
lab_complete() {
	ip -n "$SRV" -4 -o addr show dev "$IFACE" 2>/dev/null | grep " $SRV_IP/24 " >/dev/null &&
		ip -n "$CLI" -4 -o addr show dev "$IFACE" 2>/dev/null | grep " $CLI_IP/24 " >/dev/null &&
		ip -n "$SRV" -o link show dev "$IFACE" 2>/dev/null | grep 'state UP' >/dev/null &&
		ip -n "$CLI" -o link show dev "$IFACE" 2>/dev/null | grep 'state UP' >/dev/null
}

print_usage() {
	local k first last bin
	k=$(aliases | wc -l)
	first=$(aliases | sort -t. -k4,4n | head -1)
	last=$(aliases | sort -t. -k4,4n | tail -1)
	bin=$(command -v tcpswarm 2>/dev/null || echo tcpswarm)
	cat <<EOF
lab up: $SRV ($SRV_IP/24 on $IFACE) <-veth-> $CLI ($CLI_IP/24 + $k aliases${first:+ $first-$last} on $IFACE)
use it (two terminals):
  ip netns exec $SRV $bin server -p 7000
  ip netns exec $CLI $bin client $SRV_IP:7000 -c 100k${first:+ --source $first-$last}
  (or: ... client $SRV_IP:7000 -c 100k --source-iface $IFACE   # every address of $IFACE, $CLI_IP included)
inspect: ip netns exec $SRV ss -Htn state established '( sport = :7000 )' | awk '{print \$4}' | sort | uniq -c
tear down: $0 down${TSW_LAB_PREFIX:+   (with TSW_LAB_PREFIX=$PREFIX)}
EOF
}

cmd_up() {
	local k=${1:-8}
	[[ $k =~ ^[0-9]+$ ]] && [ "$k" -ge 1 ] && [ "$k" -le $((254 - ALIAS_BASE)) ] ||
		die "up: K must be a count of alias addresses from 1 to $((254 - ALIAS_BASE)), got '$k'"
	local have_srv=0 have_cli=0
	ns_exists "$SRV" && have_srv=1
	ns_exists "$CLI" && have_cli=1
	if [ $have_srv = 1 ] && [ $have_cli = 1 ] && lab_complete; then
		echo "lab already up ($SRV, $CLI); nothing changed (to change K: $0 down, then up K)"
		print_usage
		return 0
	fi
	if [ $have_srv = 1 ] || [ $have_cli = 1 ]; then
		[ $have_srv = 1 ] && [ $have_cli = 1 ] &&
			die "lab partly there ($SRV and $CLI exist, but $IFACE is not up with $SRV_IP and $CLI_IP): run '$0 down' first"
		die "lab partly there ($( [ $have_srv = 1 ] && echo "$SRV exists" || echo "$SRV missing"), $( [ $have_cli = 1 ] && echo "$CLI exists" || echo "$CLI missing")): run '$0 down' first"
	fi

	# From here on, a failure removes whatever this run created.
	LAB_MADE=() LAB_VERB=up
	trap undo_made EXIT

	ip netns add "$SRV"
	LAB_MADE+=("$SRV")
	ip netns add "$CLI"
	LAB_MADE+=("$CLI")
	# Create both ends directly inside their namespaces: no name in the host's
	# namespace is ever taken, even briefly.
	ip link add "$IFACE" netns "$SRV" type veth peer name "$IFACE" netns "$CLI"
	ip -n "$SRV" link set lo up
	ip -n "$CLI" link set lo up
	ip -n "$SRV" addr add "$SRV_IP/24" dev "$IFACE"
	ip -n "$CLI" addr add "$CLI_IP/24" dev "$IFACE"
	local i
	for i in $(seq 1 "$k"); do
		ip -n "$CLI" addr add "$NET.$((ALIAS_BASE + i))/24" dev "$IFACE"
	done
	ip -n "$SRV" link set "$IFACE" up
	ip -n "$CLI" link set "$IFACE" up
	# The link is usable once both ends report carrier; ARP is resolved on first use.
	local up=0
	for _ in $(seq 1 50); do
		if ip -n "$CLI" -o link show "$IFACE" | grep 'state UP' >/dev/null &&
			ip -n "$SRV" -o link show "$IFACE" | grep 'state UP' >/dev/null; then
			up=1
			break
		fi
		sleep 0.1
	done
	[ $up = 1 ] || die "veth did not come up within 5 s"
	if command -v ping >/dev/null; then
		ip netns exec "$CLI" ping -c 1 -W 2 "$SRV_IP" >/dev/null 2>&1 ||
			echo "$PROG: warning: $CLI cannot ping $SRV_IP (ICMP may be filtered; TCP may still work)" >&2
	fi
	trap - EXIT
	print_usage
}

# The NAT lab's client namespaces, one per line.
nat_clients() { ip netns list 2>/dev/null | awk '{print $1}' | grep -E -- "^$PREFIX-c[0-9]+\$" || true; }

cmd_down() {
	local gone=0 ns
	for ns in "$SRV" "$CLI" "$PREFIX-rtr" $(nat_clients); do
		if ns_exists "$ns"; then
			ip netns del "$ns" || die "could not delete namespace $ns"
			gone=$((gone + 1))
		fi
	done
	if [ $gone -eq 0 ]; then
		echo "lab not up ($SRV, $CLI do not exist); nothing to do"
	else
		echo "lab down: deleted $gone namespace(s) (PREFIX $PREFIX); the veth pairs went with them"
	fi
}

cmd_status() {
	if ns_exists "$PREFIX-rtr"; then # the NAT lab
		local n
		n=$(nat_clients | wc -l)
		echo "NAT lab: $PREFIX-rtr with $n client namespace(s), $SRV $(ns_exists "$SRV" && echo present || echo missing)"
		ip netns exec "$PREFIX-rtr" iptables -t nat -S POSTROUTING 2>/dev/null | grep MASQUERADE | sed 's/^/  /'
		if ns_exists "$SRV" && [ "$n" -ge 1 ]; then return 0; fi
		echo "NAT lab partly there: run '$0 down'"
		return 1
	fi
	local have_srv=0 have_cli=0
	ns_exists "$SRV" && have_srv=1
	ns_exists "$CLI" && have_cli=1
	if [ $have_srv = 0 ] && [ $have_cli = 0 ]; then
		echo "lab down ($SRV, $CLI do not exist)"
		return 3
	fi
	local ns
	for ns in "$SRV" "$CLI"; do
		if ns_exists "$ns"; then
			echo "$ns:"
			ip -n "$ns" -brief addr show 2>/dev/null | sed 's/^/  /'
			echo "  tcp: $(ip netns exec "$ns" ss -Htn state established 2>/dev/null | wc -l) established," \
				"$(ip netns exec "$ns" ss -Htln 2>/dev/null | wc -l) listening"
		else
			echo "$ns: missing"
		fi
	done
	if [ $have_srv = 1 ] && [ $have_cli = 1 ] && lab_complete; then
		echo "lab up: $(aliases | wc -l) client aliases"
		return 0
	fi
	echo "lab partly there: run '$0 down'"
	return 1
}

# --- the NAT lab ------------------------------------------------------------
NAT_SRV_IP=10.201.0.1
NAT_WAN_IP=10.201.0.254

# Client namespace I: a veth to the router, its default route through it.
nat_add_client() {
	local i=$1 rtr=$PREFIX-rtr ns=$PREFIX-c$1
	ip netns add "$ns"
	LAB_MADE+=("$ns")
	ip -n "$ns" link set lo up
	ip link add "$IFACE" netns "$ns" type veth peer name "c$i" netns "$rtr"
	ip -n "$ns" addr add "10.202.$i.2/24" dev "$IFACE"
	ip -n "$rtr" addr add "10.202.$i.1/24" dev "c$i"
	ip -n "$ns" link set "$IFACE" up
	ip -n "$rtr" link set "c$i" up
	ip -n "$ns" route add default via "10.202.$i.1"
}

cmd_nat_up() {
	local k=$1 range=$2 lo hi ns i rtr=$PREFIX-rtr
	[[ $k =~ ^[0-9]+$ ]] && [ "$k" -ge 1 ] && [ "$k" -le 50 ] ||
		die "nat-up: K must be a count of client namespaces from 1 to 50, got '$k'"
	if [ -n "$range" ]; then
		[[ $range =~ ^([0-9]+)-([0-9]+)$ ]] && [ "${BASH_REMATCH[1]}" -ge 1024 ] &&
			[ "${BASH_REMATCH[1]}" -le "${BASH_REMATCH[2]}" ] && [ "${BASH_REMATCH[2]}" -le 65535 ] ||
			die "nat-up: the port range must be LO-HI with 1024 <= LO <= HI <= 65535, got '$range'"
	fi
	for ns in "$SRV" "$CLI" "$rtr" $(nat_clients); do
		if ns_exists "$ns"; then die "nat-up: namespace $ns exists already: run '$0 down' first"; fi
	done
	command -v iptables >/dev/null || die "nat-up: iptables not found; install it: apt-get install iptables"
	LAB_MADE=() LAB_VERB=nat-up
	trap undo_made EXIT
	for ns in "$SRV" "$rtr"; do
		ip netns add "$ns"
		LAB_MADE+=("$ns")
		ip -n "$ns" link set lo up
	done
	ip link add "$IFACE" netns "$SRV" type veth peer name wan netns "$rtr"
	ip -n "$SRV" addr add "$NAT_SRV_IP/24" dev "$IFACE"
	ip -n "$rtr" addr add "$NAT_WAN_IP/24" dev wan
	ip -n "$SRV" link set "$IFACE" up
	ip -n "$rtr" link set wan up
	for i in $(seq 1 "$k"); do nat_add_client "$i"; done
	ip netns exec "$rtr" sysctl -qw net.ipv4.ip_forward=1
	if [ -n "$range" ]; then
		ip netns exec "$rtr" sysctl -qw net.ipv4.ip_local_port_range="${range%-*} ${range#*-}"
	fi
	read -r lo hi < <(ip netns exec "$rtr" cat /proc/sys/net/ipv4/ip_local_port_range)
	# Masquerade maps sources onto its own port list, not ip_local_port_range:
	# --to-ports makes the router's range the one NAT draws from.
	ip netns exec "$rtr" iptables -t nat -A POSTROUTING -o wan -p tcp -j MASQUERADE --to-ports "$lo-$hi"
	local up=0
	for _ in $(seq 1 50); do
		if ! command -v ping >/dev/null || ip netns exec "$PREFIX-c$k" ping -c 1 -W 1 "$NAT_SRV_IP" >/dev/null 2>&1; then
			up=1
			break
		fi
		sleep 0.1
	done
	[ $up = 1 ] || die "nat-up: $PREFIX-c$k cannot reach $NAT_SRV_IP through $rtr within 5 s"
	trap - EXIT
	cat <<EOF
NAT lab up: $k client namespace(s) $PREFIX-c1..$PREFIX-c$k -> $rtr (masquerade as $NAT_WAN_IP, ports $lo-$hi) -> $SRV ($NAT_SRV_IP)
use it:
  ip netns exec $SRV tcpswarm server -p 7000
  ip netns exec $PREFIX-c1 tcpswarm client $NAT_SRV_IP:7000 -c 100
the server sees one source address, $NAT_WAN_IP: at most $((hi - lo + 1)) connections per server address:port
tear down: $0 down${TSW_LAB_PREFIX:+   (with TSW_LAB_PREFIX=$PREFIX)}
EOF
}

case ${1:-} in
nat-up)
	[ $# -le 3 ] || { usage >&2; exit 2; }
	validate_prefix
	need_root nat-up
	cmd_nat_up "${2:-3}" "${3:-}"
	;;
nat-down)
	[ $# -eq 1 ] || { usage >&2; exit 2; }
	validate_prefix
	need_root nat-down
	cmd_down
	;;
up)
	[ $# -le 2 ] || { usage >&2; exit 2; }
	validate_prefix
	need_root up
	cmd_up "${2:-8}"
	;;
down)
	[ $# -eq 1 ] || { usage >&2; exit 2; }
	validate_prefix
	need_root down
	cmd_down
	;;
status)
	[ $# -eq 1 ] || { usage >&2; exit 2; }
	validate_prefix
	need_root status
	rc=0
	cmd_status || rc=$?
	exit $rc
	;;
-h | --help | help)
	usage
	;;
*)
	usage >&2
	exit 2
	;;
esac
