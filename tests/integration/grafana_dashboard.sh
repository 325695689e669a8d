# The fleet dashboard (deploy/grafana/tcpswarm.json) against a live fleet:
# a server and two client shards serve --metrics, a real Prometheus
# (Debian's, scraping each second into a temporary store) scrapes them, and
# every query of every panel, with Grafana's $__rate_interval set as Grafana
# would, returns series through `promtool query instant`. The figures must
# be the fleet's: answered near the shards' planned 2 x 1k/s, a finite p99,
# 40 client connections beside 40 on the server. deploy/prometheus/
# prometheus.yml passes `promtool check config`. Grafana itself is not in
# Debian: this checks the queries and the model's shape, not its drawing.
source "$(dirname "$0")/peer_lib.sh"
peer_install prometheus
PROM=$(peer_cmd prometheus)
PROMTOOL=$(peer_cmd promtool)
D=$ROOT/deploy/grafana/tcpswarm.json
"$PROMTOOL" check config "$ROOT/deploy/prometheus/prometheus.yml" >"$WORK/cfg.log" 2>&1 ||
	fail "deploy/prometheus/prometheus.yml: $(cat "$WORK/cfg.log")"

# the model: a titled dashboard, panels with a grid position and at least one
# Prometheus target each, every target reading the datasource variable
jq -e '.title and .uid and (.schemaVersion >= 30) and (.panels | length >= 6)
	and all(.panels[]; .title and .gridPos.w > 0 and .gridPos.h > 0 and (.targets | length >= 1)
		and all(.targets[]; .expr and .refId and .datasource.uid == "${datasource}"))
	and any(.templating.list[]; .name == "datasource" and .type == "datasource")' "$D" >/dev/null ||
	fail "$D is not a dashboard model of titled panels with Prometheus targets"

PORT=$(free_port) SM=$(free_port) C1=$(free_port) C2=$(free_port) PP=$(free_port)
start_server "$PORT" --processes 1 -w 2 --metrics "127.0.0.1:$SM"
for i in 1 2; do
	m=C$i
	timeout 60 "$BIN" client "127.0.0.1:$PORT" -c 40 -r 2k -T 25s -w 1 -q --shard "$i/2" \
		--metrics "127.0.0.1:${!m}" >"$WORK/c$i.out" 2>"$WORK/c$i.err" &
	PIDS+=($!)
done
cat >"$WORK/prom.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: tcpswarm
    static_configs:
      - targets: ["127.0.0.1:$SM", "127.0.0.1:$C1", "127.0.0.1:$C2"]
EOF
timeout 90 "$PROM" --config.file="$WORK/prom.yml" --storage.tsdb.path="$WORK/tsdb" \
	--web.listen-address="127.0.0.1:$PP" >"$WORK/prom.log" 2>&1 &
PROM_PID=$!
PIDS+=("$PROM_PID")
wait_peer prometheus "$PROM_PID" "$PP" "$WORK/prom.log"

q() { "$PROMTOOL" query instant -o json "http://127.0.0.1:$PP" "$1" 2>"$WORK/q.err"; }
# all three targets up, then enough samples for a 5 s rate
ok=0
for _ in $(seq 1 60); do
	if [ "$(q 'sum(up)' | jq -r '.[0].value[1] // 0' 2>/dev/null)" = 3 ]; then
		ok=1
		break
	fi
	sleep 0.5
done
[ $ok = 1 ] || fail "Prometheus did not see 3 targets up: $(q up) $(tail -n 5 "$WORK/prom.log")"
sleep 8

n=0
while IFS= read -r expr; do
	e=${expr//\$__rate_interval/5s}
	out=$(q "$e") || fail "query failed: $e: $(cat "$WORK/q.err")"
	[ "$(jq 'length' <<<"$out")" -ge 1 ] || fail "no series for a panel query: $e"
	n=$((n + 1))
done < <(jq -r '.panels[].targets[].expr | select(test("> 0$") | not)' "$D")
[ "$n" -ge 10 ] || fail "only $n panel queries were checked"

expr_of() { jq -r --arg t "$1" --arg l "$2" '.panels[] | select(.title | startswith($t)) | .targets[] | select(.legendFormat == $l) | .expr' "$D" | sed 's/\$__rate_interval/5s/g'; }
val() { q "$1" | jq -r "${2:-.[0].value[1]}"; }
ans=$(val "$(expr_of 'Requests a second' answered)")
awk -v a="$ans" 'BEGIN { exit !(a >= 1500 && a <= 2500) }' || fail "answered $ans/s, the shards plan 2 x 1k/s"
p99=$(val "$(expr_of Latency p99)")
awk -v p="$p99" 'BEGIN { exit !(p > 0 && p < 1) }' || fail "p99 latency $p99 s is not a finite figure"
open=$(q "$(expr_of 'Open connections' '{{role}}')")
[ "$(jq -r '.[] | select(.metric.role == "client") | .value[1]' <<<"$open")" = 40 ] || fail "client connections: $open"
[ "$(jq -r '.[] | select(.metric.role == "server") | .value[1]' <<<"$open")" = 40 ] || fail "server connections: $open"
echo "PASS grafana_dashboard: $n panel queries answered; answered $ans/s, p99 ${p99}s, 40/40 connections"
