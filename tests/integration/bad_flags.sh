# Bad input exits 2 with a message naming the option and the accepted form.
source "$(dirname "$0")/lib.sh"
expect_usage_error "unknown command 'frobnicate'" frobnicate
expect_usage_error "unknown option '--nope'" client --nope 127.0.0.1:1
expect_usage_error "option -c" client -c 10x 127.0.0.1:1
expect_usage_error "option -c needs a value" client 127.0.0.1:1 -c
expect_usage_error "option --rate" client --rate=-5 127.0.0.1:1
expect_usage_error "option -T" client -T 10parsecs 127.0.0.1:1
expect_usage_error "option --payload" client --payload 8 127.0.0.1:1
expect_usage_error "option --arrivals" client --arrivals bursty 127.0.0.1:1
expect_usage_error "option --max-error-rate" client --max-error-rate 2 127.0.0.1:1
expect_usage_error "no target" client -c 5
expect_usage_error "target" client 127.0.0.1
expect_usage_error "target" client 300.1.2.3:80
expect_usage_error "option --source" client --source 10.0.0.9-10.0.0.1 127.0.0.1:1
expect_usage_error "option -p" server -p 70000
expect_usage_error "option -p: '7003-7000': expected a range A-B with A <= B, at most 64 ports" server -p 7003-7000
expect_usage_error "at most 64 ports" server -p 7000-7064
expect_usage_error "option -p" server -p 7000-
expect_usage_error "a port range A-B needs 1 <= A <= B <= 65535" client 127.0.0.1:7003-7000
expect_usage_error "option --mode" server --mode teapot
expect_usage_error "option -w" server -w 0
expect_usage_error "option -b: '300.1.2.3': not an IPv4 or IPv6 address" server -b 300.1.2.3
expect_usage_error "option --duration" server --duration forever
expect_usage_error "option -c" probe -c 10x
expect_usage_error "unknown option '--nope'" probe --nope
expect_usage_error "option --processes" client --processes many 127.0.0.1:1
expect_usage_error "option --source-iface" client --source-iface nosuchif0 127.0.0.1:1
expect_usage_error "exclude each other" client --source 127.0.0.2 --source-iface lo 127.0.0.1:1
expect_usage_error "option --proto" client --proto gopher 127.0.0.1:1
expect_usage_error "option --qtype" client --proto dns --qtype BOGUS 127.0.0.1:1
expect_usage_error "option --qname" client --proto dns --qname "a..b" 127.0.0.1:1
expect_usage_error "option --length" client --proto http --length 5-1 127.0.0.1:1
expect_usage_error "exclude each other" client --proto http --think 1s-2s -r 10 127.0.0.1:1
expect_usage_error "option --think" client --think 1s-2s 127.0.0.1:1
expect_usage_error "option --path" client --proto http --path nopath 127.0.0.1:1
expect_usage_error "option --header" client --proto http --header "no colon" 127.0.0.1:1
expect_usage_error "option --max-length" server -m http --max-length lots
expect_usage_error "option --answer" server -m dns --answer 1.2.3
expect_usage_error "option --max-conns" server --max-conns -5
expect_usage_error "option --rtt-log" client --rtt-log "" 127.0.0.1:1
expect_usage_error "option --json: cannot write" client --json /nonexistent-dir/run.json 127.0.0.1:1
expect_usage_error "option --rtt-log: cannot write" client --rtt-log /nonexistent-dir/rtt.csv 127.0.0.1:1
expect_usage_error "option --csv: cannot write" server --csv /nonexistent-dir/s.csv
# issue 9: raw bytes, any HTTP server, names, closed loop
expect_usage_error "option -m" client --proto raw -m 'bad\q' --reply none 127.0.0.1:1
expect_usage_error "option -m" client --proto raw -m "" --reply none 127.0.0.1:1
expect_usage_error "option -f: cannot read" client --proto raw -f /nonexistent-file --reply none 127.0.0.1:1
expect_usage_error "option --first-message" client --proto raw -m x --first-message '\x4' --reply none 127.0.0.1:1
expect_usage_error "option --reply-delim" client --proto raw -m x --reply-delim "" 127.0.0.1:1
expect_usage_error "option --reply-bytes" client --proto raw -m x --reply-bytes 0 127.0.0.1:1
expect_usage_error "option --reply" client --proto raw -m x --reply sometimes 127.0.0.1:1
expect_usage_error "option --inflight" client --proto raw -m x --reply none --inflight 0 127.0.0.1:1
expect_usage_error "option --inflight" client --proto http --inflight 4 -r max 127.0.0.1:1
expect_usage_error "option --proto raw: needs the bytes" client --proto raw --reply none 127.0.0.1:1
expect_usage_error "option --proto raw: give exactly one" client --proto raw -m x 127.0.0.1:1
expect_usage_error "option --message: not for --proto echo" client -m x 127.0.0.1:1
expect_usage_error "option --method" client --proto http --method PATCH 127.0.0.1:1
expect_usage_error "option --method: not for --proto echo" client --method POST 127.0.0.1:1
expect_usage_error "option --body: cannot read" client --proto http --body @/nonexistent-file 127.0.0.1:1
expect_usage_error "option --rate: 'fast'" client --rate fast 127.0.0.1:1
expect_usage_error "--think and -r max exclude each other" client --proto http --think 1s-2s -r max 127.0.0.1:1
expect_usage_error "option --path: conflicts" client --path /x http://127.0.0.1:1/y
expect_usage_error "cannot resolve 'no-such-host.invalid'" client no-such-host.invalid:80
expect_usage_error "cannot resolve 'no-such-host.invalid'" client http://no-such-host.invalid/
expect_usage_error "has no IPv6 address" client -6 localhost:80
expect_usage_error "a URL target is for --proto http" client --proto dns http://127.0.0.1:1/
# issue 14: TLS, one case per option
expect_usage_error "option --ca: '/nonexistent.pem'" client --tls --ca /nonexistent.pem 127.0.0.1:1
expect_usage_error "option --sni: needs --tls" client --sni example.com 127.0.0.1:1
expect_usage_error "option --tls-resume: needs --tls" client --tls-resume 127.0.0.1:1
expect_usage_error "options --insecure and --ca exclude each other" client --tls --insecure --ca /etc/hosts 127.0.0.1:1
expect_usage_error "option --alpn: 'h2,,x'" client --tls --insecure --alpn h2,,x 127.0.0.1:1
expect_usage_error "option --tls-cert: needs --tls-key" server --tls-cert /etc/hosts
expect_usage_error "option --tls-key: needs --tls-cert" server --tls-key /etc/hosts
expect_usage_error "option --tls-cert: '/nonexistent.pem'" server --tls-cert /nonexistent.pem --tls-key /etc/hosts
# a URL is parsed as a URL: not the IPv6-without-brackets message
timeout 5 "$BIN" client http://127.0.0.1:1 -T 1s -q >/dev/null 2>"$WORK/err" || true
! grep -q "without brackets" "$WORK/err" || fail "URL target: $(cat "$WORK/err")"
timeout 5 "$BIN" probe http://127.0.0.1:1 >/dev/null 2>"$WORK/err" || true
! grep -q "without brackets" "$WORK/err" || fail "probe URL target: $(cat "$WORK/err")"
expect_usage_error "option --reconnect: 'maybe': expected off or on" client --reconnect maybe 127.0.0.1:1
expect_usage_error "option --conn-lifetime" client --conn-lifetime 2s-1s 127.0.0.1:1
expect_usage_error "option --conn-lifetime" client --conn-lifetime 0 127.0.0.1:1
expect_usage_error "option --conn-lifetime" client --conn-lifetime soon 127.0.0.1:1
expect_usage_error "option --conn-requests" client --conn-requests 0 127.0.0.1:1
expect_usage_error "option --conn-requests" client --conn-requests many 127.0.0.1:1
expect_usage_error "option --close: 'abort': expected fin or rst" client --close abort 127.0.0.1:1
# issues 10 and 11: generator verdict, send window, shards, start time, stall knob, metrics
expect_usage_error "option --max-send-lag: 'soon'" client --max-send-lag soon 127.0.0.1:1
expect_usage_error "option --send-window: '-5'" client --send-window -5 127.0.0.1:1
expect_usage_error "option --send-window: at most 100ms" client --send-window 2s 127.0.0.1:1
expect_usage_error "at most 1g requests per second" client -r 18446744073709551615 127.0.0.1:1
expect_usage_error "is above 1g (requests a second)" client --rate-schedule 0s:2g 127.0.0.1:1
expect_usage_error "option --conn-schedule: column 4" client --conn-schedule 0s:x 127.0.0.1:1
expect_usage_error "below the --conn-schedule peak" client -c 5 --conn-schedule 0s:10 127.0.0.1:1
expect_usage_error "option --find: 'max-links': expected max-rate or max-conns" client --find max-links 127.0.0.1:1
expect_usage_error "option --shard: shard 4/3" client --shard 4/3 127.0.0.1:1
expect_usage_error "option --start-at: expected epoch seconds or RFC 3339" client --start-at yesterday 127.0.0.1:1
expect_usage_error "option --start-at" client --start-at 2026-11-31T23:59:00Z 127.0.0.1:1
expect_usage_error "options --stall-every and --stall-for" server --stall-every 1s
expect_usage_error "option --max-rate-frame: 'abc'" server --max-rate-frame abc
expect_usage_error "with --max-rate-frame above 0" server --max-rate 1k --max-rate-frame 0
expect_usage_error "option --max-rate:" server --max-rate fast
expect_usage_error "option --metrics: 'nowhere'" client --metrics nowhere 127.0.0.1:1
# help is not an error
timeout 5 "$BIN" client --help >"$WORK/help" && grep -q -- "--connect-rate RATE" "$WORK/help" || fail "client --help lacks --connect-rate"
timeout 5 "$BIN" server --help | grep -q -- "--backlog N" || fail "server --help lacks --backlog"
# issue 13: sizes past their field, zeros that make no sense, qtype numbers through units.c
expect_usage_error "option --max-length: at most 4294967295 bytes" server -m http --max-length 4g
expect_usage_error "option --max-conns" server --max-conns 0
expect_usage_error "option --max-p99: must be above 0" client --max-p99 0 127.0.0.1:1
expect_usage_error "option --max-send-lag: must be above 0" client --max-send-lag 0 127.0.0.1:1
expect_usage_error "option --qtype" client --proto dns --qtype 0 127.0.0.1:1
expect_usage_error "option --qtype" client --proto dns --qtype 0x1c 127.0.0.1:1
echo "PASS bad_flags"
