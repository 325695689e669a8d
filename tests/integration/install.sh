# `cmake --install` of the tested build into a scratch root puts the tool
# where tools go: the binary, the man page (mandoc -T lint finds no
# warning), bash completion (it completes a real option), the sysctl
# profiles and tcpswarm-sysctl-tune, which finds them by name there;
# `tcpswarm version` names the git revision the build was configured at.
source "$(dirname "$0")/peer_lib.sh"
BUILD=$(cd "$(dirname "$BIN")" && pwd)
[ -f "$BUILD/cmake_install.cmake" ] || BUILD=$(cd "$BUILD/.." && pwd)
[ -f "$BUILD/cmake_install.cmake" ] || fail "no cmake_install.cmake beside $BIN"
peer_install mandoc
R=$WORK/root
DESTDIR=$R cmake --install "$BUILD" --prefix /usr >"$WORK/install.log" 2>&1 || fail "cmake --install: $(tail -n 5 "$WORK/install.log")"
for f in bin/tcpswarm bin/tcpswarm-sysctl-tune share/man/man1/tcpswarm.1 share/bash-completion/completions/tcpswarm \
	share/tcpswarm/sysctl/server.conf share/tcpswarm/sysctl/client.conf; do
	[ -f "$R/usr/$f" ] || fail "cmake --install did not put usr/$f"
done
[ -x "$R/usr/bin/tcpswarm" ] && [ -x "$R/usr/bin/tcpswarm-sysctl-tune" ] || fail "installed programs are not executable"
mandoc -T lint -W warning "$R/usr/share/man/man1/tcpswarm.1" >"$WORK/lint" 2>&1 || fail "mandoc lint: $(cat "$WORK/lint")"
[ ! -s "$WORK/lint" ] || fail "mandoc lint: $(cat "$WORK/lint")"
page=$(mandoc -T ascii "$R/usr/share/man/man1/tcpswarm.1" | sed 's/.\x08//g')
grep -q -- '--metrics' <<<"$page" || fail "the man page does not render --metrics"
# completion: a command, then an option from that command's --help
out=$(PATH=$R/usr/bin:$PATH bash -c "source '$R/usr/share/bash-completion/completions/tcpswarm'
	COMP_WORDS=(tcpswarm me); COMP_CWORD=1; _tcpswarm; echo \"\${COMPREPLY[*]}\"
	COMP_WORDS=(tcpswarm client --metr); COMP_CWORD=2; _tcpswarm; echo \"\${COMPREPLY[*]}\"")
[ "$out" = "merge
--metrics" ] || fail "completion gave: $out"
# the installed checker finds the installed profiles by name (exit 0 or 1, not 2)
rc=0
"$R/usr/bin/tcpswarm-sysctl-tune" check server >"$WORK/tune" 2>&1 || rc=$?
[ "$rc" -le 1 ] || fail "installed tcpswarm-sysctl-tune check server: rc $rc: $(tail -n 3 "$WORK/tune")"
ver=$("$R/usr/bin/tcpswarm" version)
# the revision CMake recorded at configure time, and it is a commit of this tree
rev=$(sed -n 's/^TCPSWARM_GIT_REV_BUILT:INTERNAL=//p' "$BUILD/CMakeCache.txt")
SRC=$(cd "$(dirname "$0")/../.." && pwd)
if [ -n "$rev" ]; then
	[ "$ver" = "tcpswarm $(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$BUILD/CMakeCache.txt") (git $rev)" ] ||
		fail "version '$ver' does not name the configured revision $rev"
	git -C "$SRC" cat-file -e "${rev%-dirty}^{commit}" 2>/dev/null || fail "$rev is not a commit of $SRC"
elif git -C "$SRC" rev-parse HEAD >/dev/null 2>&1; then
	fail "configured in a git tree but no revision recorded"
else
	[[ $ver =~ ^tcpswarm\ [0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "version outside git: '$ver'"
fi
echo "PASS install: binary, man page (lint clean), completion, sysctl profiles and tuner; $ver"
