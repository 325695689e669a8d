#!/usr/bin/env bash
# Installs what building and testing tcpswarm needs on Debian/Ubuntu, only
# what is missing. Run as root (CI is); otherwise it says what to install.
set -euo pipefail
need=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }
for p in cmake gcc make libcmocka-dev zlib1g-dev libssl-dev openssl jq iproute2 procps iptables "$@"; do
	have_pkg "$p" || need+=("$p")
done
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "tcpswarm: missing packages: ${need[*]} (run: sudo apt-get install -y ${need[*]})" >&2
	exit 1
fi
echo "tcpswarm: installing ${need[*]}" >&2
# Peers for the integration tests (unbound, nginx...) must not start as system
# services on install: the tests run their own on free loopback ports and must
# leave the machine as they found it. Where no policy-rc.d forbids starting
# services (Docker images ship one), one does so for this install only.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\n# tcpswarm tools/deps.sh: no service starts during this install\nexit 101\n' \
		>/usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
