source "$(dirname "$0")/lib.sh"
# tools/sysctl-tune for real, but safely: the only value it ever changes is
# net.ipv4.tcp_fin_timeout (read first as V, set to V+1), the saved state lives
# in $WORK, and the EXIT trap puts V back whatever happens. $1 (the tcpswarm
# binary) is not used.

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: not root"
	exit 0
fi

TUNE=$(cd "$(dirname "$0")/../.." && pwd)/tools/sysctl-tune
FIN=/proc/sys/net/ipv4/tcp_fin_timeout
SYN=/proc/sys/net/ipv4/tcp_syn_retries # only ever sent a value the kernel rejects
KEY=net.ipv4.tcp_fin_timeout
V=$(cat "$FIN")
S=$(cat "$SYN")
V1=$((V + 1))

restore() {
	local rc=$?
	set +e
	if [ "$(cat "$FIN")" != "$V" ]; then
		echo "$V" >"$FIN" || echo "WARNING: could not restore $KEY = $V" >&2
	fi
	if [ "$(cat "$SYN")" != "$S" ]; then
		echo "$S" >"$SYN" || echo "WARNING: could not restore net.ipv4.tcp_syn_retries = $S" >&2
	fi
	cleanup
	exit "$rc"
}
trap restore EXIT
trap 'exit 130' INT TERM HUP

export TCPSWARM_SYSCTL_STATE=$WORK/state/sysctl-test.saved
STATE=$TCPSWARM_SYSCTL_STATE

# tune WANT_RC ARGS...: run sysctl-tune, output in $WORK/out and $WORK/err
tune() {
	local want=$1 rc=0
	shift
	timeout 30 "$TUNE" "$@" >"$WORK/out" 2>"$WORK/err" || rc=$?
	[ "$rc" -eq "$want" ] || fail "sysctl-tune $* exited $rc, expected $want
--- stdout
$(cat "$WORK/out")
--- stderr
$(cat "$WORK/err")"
}
# row KEY: "CURRENT PROFILE STATUS" of KEY in the last check's table
row() { awk -v k="$1" '$1 == k { print $2, $3, $4 }' "$WORK/out"; }
value_is() {
	local now
	now=$(cat "$FIN")
	[ "$now" = "$1" ] || fail "$2: $KEY is $now, expected $1"
}

# A profile in the shapes sysctl.d allows: comments of both kinds, blank
# lines, spaces and tabs around '=' and after the value, CRLF.
P=$WORK/fin.conf
printf '# test profile: only %s\n; a semicolon comment\n\n   %s \t=\t %s \t\r\n' "$KEY" "$KEY" "$V1" >"$P"

# check before apply: lower, exit 1
tune 1 check "$P"
[ "$(row "$KEY")" = "$V $V1 lower" ] || fail "check before apply: want '$V $V1 lower', got '$(row "$KEY")'"

# apply: state saved first (holding V), then the value becomes V+1
tune 0 apply "$P"
value_is "$V1" "after apply"
[ -f "$STATE" ] || fail "apply did not write the state file $STATE"
grep -qx "$KEY = $V" "$STATE" || fail "state file does not hold '$KEY = $V': $(cat "$STATE")"

# check after apply: ok, exit 0
tune 0 check "$P"
[ "$(row "$KEY")" = "$V1 $V1 ok" ] || fail "check after apply: want '$V1 $V1 ok', got '$(row "$KEY")'"
grep -qF "$STATE" "$WORK/out" || fail "check does not mention the saved state"

# a second apply must not replace the saved originals
cp "$STATE" "$WORK/state.orig"
tune 1 apply "$P"
grep -qF -- "--force" "$WORK/err" || fail "refused apply does not mention --force: $(cat "$WORK/err")"
value_is "$V1" "after refused apply"
cmp -s "$STATE" "$WORK/state.orig" || fail "refused apply changed the state file"

# --force does replace it (now holding V+1): put the original back afterwards
tune 0 apply --force "$P"
grep -qx "$KEY = $V1" "$STATE" || fail "apply --force did not rewrite the state: $(cat "$STATE")"
cp "$WORK/state.orig" "$STATE"

# revert: exactly V again, and the state file is gone
tune 0 revert "$P"
value_is "$V" "after revert"
[ ! -e "$STATE" ] || fail "revert left the state file behind"
tune 1 revert "$P"
grep -q "nothing to revert" "$WORK/err" || fail "second revert: $(cat "$WORK/err")"

# a key this kernel lacks: "missing", which fails the check unless it is
# optional ('-'), and which apply skips with a note
printf 'net.ipv4.tcpswarm_no_such_key = 1\n%s = %s\n' "$KEY" "$V" >"$WORK/missing.conf"
tune 1 check "$WORK/missing.conf"
[ "$(row net.ipv4.tcpswarm_no_such_key)" = "- 1 missing" ] ||
	fail "nonexistent key: want '- 1 missing', got '$(row net.ipv4.tcpswarm_no_such_key)'"
printf -- '-net.ipv4.tcpswarm_no_such_key = 1\n%s = %s\n' "$KEY" "$V" >"$WORK/optional.conf"
tune 0 check "$WORK/optional.conf"
grep -q "missing" "$WORK/out" || fail "optional nonexistent key not reported missing"
printf -- '- net.ipv4.tcpswarm_no_such_key = 1\n%s = %s\n' "$KEY" "$V1" >"$WORK/optional1.conf"
tune 0 apply "$WORK/optional1.conf"
grep -q "skip net.ipv4.tcpswarm_no_such_key" "$WORK/err" || fail "apply did not note the skipped key: $(cat "$WORK/err")"
value_is "$V1" "after apply with a missing key"
tune 0 revert "$WORK/optional1.conf"
value_is "$V" "after revert with a missing key"

# a value the kernel rejects: nothing stays changed, no state is left
printf '%s = %s\nnet.ipv4.tcp_syn_retries = not-a-number\n' "$KEY" "$V1" >"$WORK/bad.conf"
tune 1 apply "$WORK/bad.conf"
value_is "$V" "after a failed apply"
[ "$(cat "$SYN")" = "$S" ] || fail "failed apply changed tcp_syn_retries"
[ ! -e "$STATE" ] || fail "failed apply left a state file"

# direction: by default a larger value passes; "at-most" makes it a ceiling
if [ "$V" -gt 1 ]; then
	printf '%s = %s\n' "$KEY" $((V - 1)) >"$WORK/below.conf"
	tune 0 check "$WORK/below.conf"
	[ "$(row "$KEY" | cut -d' ' -f3)" = higher ] || fail "larger current value: $(row "$KEY")"
	printf '# tcpswarm-check: at-most\n%s = %s\n' "$KEY" $((V - 1)) >"$WORK/ceiling.conf"
	tune 1 check "$WORK/ceiling.conf"
	[ "$(row "$KEY" | cut -d' ' -f3)" = higher ] || fail "at-most: $(row "$KEY")"
fi

# the shipped profiles parse and are found by name (check only reads)
for name in server client; do
	rc=0
	timeout 30 "$TUNE" check "$name" >"$WORK/out" 2>"$WORK/err" || rc=$?
	[ "$rc" -le 1 ] || fail "check $name exited $rc: $(cat "$WORK/err")"
	grep -q '^fs.file-max ' "$WORK/out" || fail "check $name does not list fs.file-max"
done

# bad usage: exit 2 with a message
tune 2
tune 2 frobnicate "$P"
tune 2 check
tune 2 check "$P" extra
tune 2 revert --force "$P"
tune 2 check --no-such-option "$P"
tune 2 check "$WORK/no-such-file.conf"
tune 2 check no-such-profile
grep -q "server.conf" "$WORK/err" || fail "unknown profile: does not list the profiles: $(cat "$WORK/err")"

# not root: apply is refused before anything is read or written
if command -v setpriv >/dev/null &&
	setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$TUNE" 2>/dev/null; then
	rc=0
	setpriv --reuid=65534 --regid=65534 --clear-groups timeout 30 "$TUNE" apply "$P" \
		>"$WORK/out" 2>"$WORK/err" || rc=$?
	[ "$rc" -eq 1 ] || fail "apply as nobody exited $rc"
	grep -q "needs root" "$WORK/err" || fail "apply as nobody: $(cat "$WORK/err")"
	value_is "$V" "after apply as nobody"
fi

value_is "$V" "at the end"
echo "PASS: sysctl_tune ($KEY stayed $V)"
