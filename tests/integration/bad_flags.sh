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
expect_usage_error "option --reconnect: 'maybe': expected off or on" client --reconnect maybe 127.0.0.1:1
expect_usage_error "option --conn-lifetime" client --conn-lifetime 2s-1s 127.0.0.1:1
expect_usage_error "option --conn-lifetime" client --conn-lifetime 0 127.0.0.1:1
expect_usage_error "option --conn-lifetime" client --conn-lifetime soon 127.0.0.1:1
expect_usage_error "option --conn-requests" client --conn-requests 0 127.0.0.1:1
expect_usage_error "option --conn-requests" client --conn-requests many 127.0.0.1:1
expect_usage_error "option --close: 'abort': expected fin or rst" client --close abort 127.0.0.1:1
# help is not an error
timeout 5 "$BIN" client --help | grep -q -- "--connect-rate RATE" || fail "client --help lacks --connect-rate"
timeout 5 "$BIN" server --help | grep -q -- "--backlog N" || fail "server --help lacks --backlog"
echo "PASS bad_flags"
