# CPack's .deb of the tested build installs with dpkg, runs (`tcpswarm
# version` names the git revision), and `dpkg -r` removes it and every file
# it put, leaving the machine as it was. Skips (exit 0) without dpkg or
# root, or when a tcpswarm package or /usr/bin/tcpswarm is already there
# (this test never replaces what it did not install).
source "$(dirname "$0")/lib.sh"
BUILD=$(cd "$(dirname "$BIN")" && pwd)
[ -f "$BUILD/CPackConfig.cmake" ] || BUILD=$(cd "$BUILD/.." && pwd)
[ -f "$BUILD/CPackConfig.cmake" ] || fail "no CPackConfig.cmake beside $BIN"
command -v dpkg >/dev/null && command -v dpkg-deb >/dev/null || { echo "SKIP: deb needs dpkg and dpkg-deb"; exit 0; }
[ "$(id -u)" -eq 0 ] || { echo "SKIP: deb needs root to install a package"; exit 0; }
if dpkg-query -W -f='${Status}' tcpswarm 2>/dev/null | grep -q 'installed'; then
	echo "SKIP: a tcpswarm package is installed already; not replacing it"
	exit 0
fi
[ ! -e /usr/bin/tcpswarm ] || { echo "SKIP: /usr/bin/tcpswarm exists (not ours); not replacing it"; exit 0; }

(cd "$WORK" && cpack -G DEB --config "$BUILD/CPackConfig.cmake" -B "$WORK/pkg") >"$WORK/cpack.log" 2>&1 ||
	fail "cpack: $(tail -n 10 "$WORK/cpack.log")"
deb=$(find "$WORK/pkg" -maxdepth 1 -name 'tcpswarm_*.deb' | head -1)
[ -n "$deb" ] || fail "cpack made no tcpswarm_*.deb: $(ls "$WORK/pkg")"
[ "$(dpkg-deb -f "$deb" Package)" = tcpswarm ] || fail "package name: $(dpkg-deb -f "$deb" Package)"
dpkg-deb -c "$deb" | awk '{ print $6 }' >"$WORK/contents"
for f in ./usr/bin/tcpswarm ./usr/bin/tcpswarm-sysctl-tune ./usr/share/man/man1/tcpswarm.1 \
	./usr/share/bash-completion/completions/tcpswarm ./usr/share/tcpswarm/sysctl/server.conf; do
	grep -qxF "$f" "$WORK/contents" || fail "the .deb lacks $f"
done

INSTALLED=0
remove() {
	local rc=$?
	[ "$INSTALLED" = 1 ] && dpkg -r tcpswarm >/dev/null 2>&1
	cleanup
	exit "$rc"
}
trap remove EXIT
INSTALLED=1
dpkg -i "$deb" >"$WORK/dpkg.log" 2>&1 || fail "dpkg -i: $(tail -n 10 "$WORK/dpkg.log")"
ver=$(/usr/bin/tcpswarm version) || fail "installed tcpswarm version failed"
# the revision CMake recorded at configure time, and it is a commit of this tree
rev=$(sed -n 's/^TCPSWARM_GIT_REV_BUILT:INTERNAL=//p' "$BUILD/CMakeCache.txt")
SRC=$(cd "$(dirname "$0")/../.." && pwd)
if [ -n "$rev" ]; then
	[ "$ver" = "tcpswarm $(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$BUILD/CMakeCache.txt") (git $rev)" ] ||
		fail "installed version '$ver' does not name the configured revision $rev"
	git -C "$SRC" cat-file -e "${rev%-dirty}^{commit}" 2>/dev/null || fail "$rev is not a commit of $SRC"
elif git -C "$SRC" rev-parse HEAD >/dev/null 2>&1; then
	fail "configured in a git tree but no revision recorded"
else
	[[ $ver =~ ^tcpswarm\ [0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "version outside git: '$ver'"
fi
dpkg -r tcpswarm >"$WORK/dpkg-r.log" 2>&1 || fail "dpkg -r: $(tail -n 5 "$WORK/dpkg-r.log")"
INSTALLED=0
status=$(dpkg-query -W -f='${Status}' tcpswarm 2>/dev/null || true)
[[ -z $status || $status == *not-installed* ]] || fail "after dpkg -r the package is '$status'"
while read -r f; do
	p=${f#.}
	[ -n "$p" ] && [ "$p" != / ] || continue
	[ -d "$p" ] && continue # shared directories (/usr/bin) stay
	[ ! -e "$p" ] || fail "dpkg -r left $p"
done <"$WORK/contents"
echo "PASS deb: $(basename "$deb") installed, '$ver', removed with nothing left"
