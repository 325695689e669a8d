#!/usr/bin/env bash
# The pure library's objects may call libc for memory, strings and
# formatting, but not the machinery of the engine: no threads, no event
# loop, no sockets or kernel files of their own, no name lookups. One
# exception remains where today's code still asks the kernel (srcaddr.c's
# interface list); it is named here so that it can only shrink.
# usage: pure_symbols.sh NM 'obj1;obj2;...'
set -u
nm_tool=$1
IFS=';' read -r -a objs <<<"$2"

forbidden='^(getaddrinfo$|getrlimit$|getsockopt$|pthread_|epoll_|eventfd|timerfd|signalfd|socket$|connect$|accept4?$|bind$|listen$|fork$|clone|sched_|reactor_|worker_|wshared_|fanout_|monitor_|client_|server_|report_|rss_bytes)'
file_io='^(open|openat|open64|fopen|fopen64|opendir|read|pread|pread64)$'
declare -A may_read=()
declare -A may_ifaces=([srcaddr.c.o]='--source-iface lists addresses')

fail=0
for o in "${objs[@]}"; do
	name=$(basename "$o")
	while read -r sym; do
		if [[ $sym =~ $forbidden ]]; then
			echo "layering: pure $name calls $sym (engine or thread machinery)"
			fail=1
		elif [[ $sym =~ $file_io && -z ${may_read[$name]:-} ]]; then
			echo "layering: pure $name reads files ($sym): a kernel reader, not a pure module"
			fail=1
		elif [[ $sym =~ ^(getifaddrs|if_nametoindex)$ && -z ${may_ifaces[$name]:-} ]]; then
			echo "layering: pure $name asks the kernel for interfaces ($sym)"
			fail=1
		fi
	done < <("$nm_tool" -u "$o" | awk '{print $NF}')
done
[[ ${#objs[@]} -gt 5 ]] || { echo "layering: only ${#objs[@]} objects given"; fail=1; }
exit $fail
