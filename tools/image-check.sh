#!/usr/bin/env bash
# Builds the Dockerfile's image with podman from a clean clone of HEAD and runs
# it: `tcpswarm version`, a loopback run with server and client in one
# container, and the same split across two containers on a podman network (the
# client finds the server by name, as deploy/k8s/tcpswarm.yaml does). Prints
# the build time, the image size and the client summaries.
#
# Not run by CI or tools/test.sh: the first run makes the debian:bookworm-slim
# base image with debootstrap from the Debian archive apt already uses (no
# Docker Hub needed) and later runs reuse it. Run as root:
#   tools/image-check.sh                 # IMAGE=tcpswarm:0.1.0 by default
# It removes the containers, the network and the scratch directories it made;
# the base image and the built image stay (podman rmi to remove them).
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf 'image-check: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }
[ "$(id -u)" -eq 0 ] || die "run as root (podman and debootstrap need it)"
tools/deps.sh podman debootstrap runc

version=$(sed -n 's/^project(tcpswarm VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
IMAGE=${IMAGE:-tcpswarm:${version:-0.1.0}}
BASE=docker.io/library/debian:bookworm-slim
NET=tcpswarm-check
SERVER=tcpswarm-server   # the name the client targets, as the k8s Service
ONE=tcpswarm-check-one
CLIENT=tcpswarm-check-client
# crun refuses this kind of host (cgroup v1 with a v2 hierarchy beside it) and
# podman's default rlimits are above what a root without CAP_SYS_RESOURCE may
# set: runc, and this shell's own descriptor limit
nofile=$(ulimit -Hn)
[ "$nofile" = unlimited ] && nofile=1048576
PODMAN=(podman --runtime runc)
LIMITS=(--ulimit "nofile=$nofile:$nofile" --ulimit nproc=4096:4096)

for c in "$SERVER" "$ONE" "$CLIENT"; do
	! podman container exists "$c" || die "a container named $c exists already; remove it first"
done
! podman network exists "$NET" || die "a podman network named $NET exists already; remove it first"

work=$(mktemp -d /tmp/tcpswarm-image-check.XXXXXX)
made_net=0
# netavark (podman's network backend) leaves its NETAVARK chains and an `ip nat`
# table in the host's namespace after the network is gone; a nat table makes
# the host conntrack every loopback connection (a 1M benchmark then fills
# nf_conntrack_max), so what was not there before the run is removed.
had_nat=0
nft list table ip nat >/dev/null 2>&1 && had_nat=1
had_netavark=0
iptables-save 2>/dev/null | grep -q NETAVARK && had_netavark=1
undo_netavark() {
	[ "$had_netavark" -eq 0 ] || return 0
	local t rule chain
	for t in filter nat; do
		iptables-save -t "$t" 2>/dev/null | sed -n 's/^-A \([A-Z]*\) \(.*-j NETAVARK.*\)$/\1 \2/p' |
			while read -r chain rule; do eval "iptables -t $t -D $chain $rule" 2>/dev/null || true; done
		for chain in $(iptables-save -t "$t" 2>/dev/null | sed -n 's/^:\(NETAVARK[^ ]*\) .*/\1/p'); do
			iptables -t "$t" -F "$chain" 2>/dev/null || true
		done
		for chain in $(iptables-save -t "$t" 2>/dev/null | sed -n 's/^:\(NETAVARK[^ ]*\) .*/\1/p'); do
			iptables -t "$t" -X "$chain" 2>/dev/null || true
		done
	done
	[ "$had_nat" -eq 1 ] || nft delete table ip nat 2>/dev/null || true
}
cleanup() {
	for c in "$SERVER" "$ONE" "$CLIENT"; do
		podman rm -f -t 0 "$c" >/dev/null 2>&1 || true
	done
	[ "$made_net" -eq 0 ] || podman network rm -f "$NET" >/dev/null 2>&1 || true
	undo_netavark
	rm -rf "$work"
}
trap cleanup EXIT

# The Debian mirror apt uses here (a deb822 URIs: line or a one-line deb entry).
mirror=$(grep -hoE '^(URIs:|deb) +https?://[^ ]+/debian/?( |$)' \
	/etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null | awk '{print $2; exit}' || true)
mirror=${mirror:-http://deb.debian.org/debian}
mirror=${mirror%/}

make_base() {
	local rootfs=$work/rootfs
	say "making $BASE with debootstrap from $mirror (a few minutes)"
	timeout 1800 debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 ||
		{ tail -20 "$work/debootstrap.log" >&2; die "debootstrap failed"; }
	# apt in the image reaches the same archive, updates and security included
	rm -f "$rootfs/etc/apt/sources.list"
	cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<-EOF
		Types: deb
		URIs: $mirror
		Suites: bookworm bookworm-updates
		Components: main
		Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

		Types: deb
		URIs: $mirror-security
		Suites: bookworm-security
		Components: main
		Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	EOF
	# slim as Debian's own -slim image: no documentation but the copyrights,
	# no man pages or translations, now or from later installs
	cat >"$rootfs/etc/dpkg/dpkg.cfg.d/slim" <<-EOF
		path-exclude /usr/share/doc/*
		path-include /usr/share/doc/*/copyright
		path-exclude /usr/share/man/*
		path-exclude /usr/share/info/*
		path-exclude /usr/share/locale/*
		path-exclude /usr/share/lintian/*
	EOF
	find "$rootfs/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
	rm -rf "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/usr/share/locale/* \
		"$rootfs"/usr/share/lintian/*
	rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb
	mkdir -p "$rootfs/var/lib/apt/lists/partial"
	tar -C "$rootfs" -c . | podman import -q -c 'CMD ["bash"]' - "$BASE" >/dev/null
	rm -rf "$rootfs"
}
if podman image exists "$BASE"; then
	say "reusing $BASE"
else
	make_base
fi

# A clean clone of the commit checked out: no build trees, no uncommitted edits.
rev=$(git rev-parse HEAD)
git clone -q --no-checkout . "$work/src"
git -C "$work/src" checkout -q "$rev"
want=$(git -C "$work/src" describe --always --abbrev=12)
say "building $IMAGE from $want"
dangling() { podman images -q --no-trunc -f dangling=true | sort; }
dangling >"$work/dangling.before"
t0=$(date +%s)
build_rc=0
timeout 2400 "${PODMAN[@]}" build "${LIMITS[@]}" -t "$IMAGE" "$work/src" >"$work/build.log" 2>&1 || build_rc=$?
build_s=$(($(date +%s) - t0))
# the build stage's image (and any replaced $IMAGE) is this run's litter
dangling | comm -13 "$work/dangling.before" - | xargs -r podman rmi -f >/dev/null 2>&1 || true
[ "$build_rc" -eq 0 ] || { tail -40 "$work/build.log" >&2; die "podman build failed ($build_rc)"; }
size=$(podman image inspect --format '{{.Size}}' "$IMAGE")

run() { timeout 120 "${PODMAN[@]}" run "${LIMITS[@]}" "$@"; }
got=$(run --rm --name "$ONE" "$IMAGE" version)
case "$got" in *"(git $want)"*) ;; *) die "version says '$got', expected git $want" ;; esac

plan=(-c 100 -r 10k -T 3s)
say "one container: server in the background, client on 127.0.0.1"
run --rm --name "$ONE" --entrypoint sh "$IMAGE" -c \
	"tcpswarm server -p 7000 -q & sleep 0.5; tcpswarm client 127.0.0.1:7000 ${plan[*]}" >"$work/one.txt" 2>&1 ||
	{ cat "$work/one.txt" >&2; die "the one-container run failed"; }

say "two containers on network $NET: the client targets $SERVER by name"
podman network create "$NET" >/dev/null 2>&1
made_net=1
run -d --name "$SERVER" --network "$NET" "$IMAGE" server -p 7000 -q >/dev/null 2>&1
sleep 1
run --rm --name "$CLIENT" --network "$NET" "$IMAGE" client "$SERVER:7000" "${plan[@]}" >"$work/two.txt" 2>&1 ||
	{ cat "$work/two.txt" >&2; die "the two-container run failed"; }

for f in one two; do
	grep -qE 'established 100 +failed 0' "$work/$f.txt" ||
		{ cat "$work/$f.txt" >&2; die "$f: not all 100 connections established"; }
done
printf '%s\n' "image $IMAGE: $want, built in ${build_s}s, $((size / 1000000)) MB"
printf '%s\n' "version: $got"
printf '\n== one container (client %s on 127.0.0.1:7000)\n' "${plan[*]}"
sed -n '/^tcpswarm client/,/^bytes/p' "$work/one.txt"
printf '\n== two containers (client %s on %s:7000)\n' "${plan[*]}" "$SERVER"
sed -n '/^tcpswarm client/,/^bytes/p' "$work/two.txt"
