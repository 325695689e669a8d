# Hostile peers against every server mode (issue 13): garbage and oversized
# input (random bytes, zeros, a header past the peek buffer, Content-Length
# and ?length= overflows, bad chunk sizes, DNS length 0 / 65535 / shorter
# than a header), plain and over TLS (echo, http, dns), all servers at once.
# hostile_garbage.py checks each answer (echo: every byte back; sink:
# nothing, kept open; http: a 400 and a close; dns: FORMERR and a close)
# and that a valid request is still answered. Then each server's
# descriptors are back to its baseline, it exits 0 on SIGINT, and no
# sanitizer spoke.
source "$(dirname "$0")/lib.sh"
HERE=$(dirname "$0")
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/k.pem" -out "$WORK/c.pem" -days 2 -subj "/CN=localhost" \
	2>/dev/null || fail "openssl req failed"
fds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
RUNS=(echo sink http dns "echo tls" "http tls" "dns tls")
declare -A port pid base checker
for run in "${RUNS[@]}"; do
	set -- $run
	extra=()
	[ -n "${2:-}" ] && extra=(--tls-cert "$WORK/c.pem" --tls-key "$WORK/k.pem")
	p=$(free_port)
	timeout 60 "$BIN" server -p "$p" -q --mode "$1" --processes 1 -w 2 "${extra[@]}" \
		>"$WORK/server.${run/ /}.out" 2>"$WORK/server.${run/ /}.err" &
	SERVER_PID=$!
	PIDS+=("$SERVER_PID")
	wait_listening "$p"
	port[$run]=$p pid[$run]=$SERVER_PID base[$run]=$(fds "$SERVER_PID")
done
for run in "${RUNS[@]}"; do
	timeout 30 python3 "$HERE/hostile_garbage.py" "${port[$run]}" $run >"$WORK/check.${run/ /}" 2>&1 &
	checker[$run]=$!
	PIDS+=("$!")
done
bad=0
for run in "${RUNS[@]}"; do
	wait "${checker[$run]}" || bad=1
	cat "$WORK/check.${run/ /}"
done
[ "$bad" -eq 0 ] || fail "a server mishandled a hostile peer (above)"
for run in "${RUNS[@]}"; do
	SERVER_PID=${pid[$run]}
	now=0
	for _ in $(seq 1 30); do
		now=$(fds "$SERVER_PID")
		[ "$now" -le "${base[$run]}" ] && break
		sleep 0.1
	done
	[ "$now" -le "${base[$run]}" ] || fail "$run: server holds $now descriptors 3 s after the peers left (baseline ${base[$run]})"
	stop_server
	! grep -Ei "sanitizer|runtime error" "$WORK/server.${run/ /}.err" || fail "$run: sanitizer report above"
done
echo "PASS hostile_servers: echo, sink, http, dns (and echo, http, dns over TLS) answer garbage as they should and keep serving"
