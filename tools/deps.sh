#!/usr/bin/env bash
# Installs what building and testing tcpswarm needs on Debian/Ubuntu, only
# what is missing. Run as root (CI is); otherwise it says what to install.
set -euo pipefail
need=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }
for p in cmake gcc make libcmocka-dev jq iproute2 procps "$@"; do
	have_pkg "$p" || need+=("$p")
done
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "tcpswarm: missing packages: ${need[*]} (run: sudo apt-get install -y ${need[*]})" >&2
	exit 1
fi
echo "tcpswarm: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
