/* The SYN queue of a listening port: half-open handshakes (SYN-RECV request
 * sockets) counted over sock_diag netlink, as `ss -tan state syn-recv
 * sport = :P` does, and the ceiling this kernel puts on them.
 *
 * synq_parse_dump and synq_ceiling are pure (src/synq_parse.c, unit-tested
 * on constructed buffers); synq_count asks the kernel and the sampler is a
 * thread that asks it ten times a second (src/synq.c). */
#ifndef TCPSWARM_SYNQ_H
#define TCPSWARM_SYNQ_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One recv() of an inet_diag dump: adds to *count the sockets in SYN-RECV
 * (or NEW_SYN_RECV) whose local port is port (host order). Returns 1 when
 * more messages follow, 0 at NLMSG_DONE, -1 on NLMSG_ERROR or a truncated
 * or malformed message. Never reads past len. */
int synq_parse_dump(const void *buf, size_t len, uint16_t port, uint64_t *count);

/* Most SYN-RECV request sockets one listener holds on today's kernels
 * (measured on 6.18, tests/integration/syn_queue_netns.sh): the queue is
 * full when its length exceeds min(backlog, somaxconn), so it holds one
 * more; with syncookies off, a SYN from an unproven peer is also dropped
 * once fewer than tcp_max_syn_backlog/4 slots are left, so
 *   syncookies 0: min(min(backlog, somaxconn), msb - msb/4) + 1
 *   syncookies 1: min(backlog, somaxconn) + 1 (SYNs beyond it get cookies)
 *   syncookies 2: 0 (every SYN gets a cookie; from the source, not measured)
 * 2.6.32-era kernels sized it differently (min(backlog, msb), at least 8,
 * plus one rounded up to a power of two; from the source, not measured):
 * this rule does not apply there. -1 if an input is < 0. */
int64_t synq_ceiling(int64_t backlog, int64_t somaxconn, int64_t max_syn_backlog, int64_t syncookies);

/* The formula above as one line of text, for probe and the diagnosis. */
#define SYNQ_FORMULA \
	"SYN queue = min(backlog, somaxconn) + 1; with tcp_syncookies=0 at most tcp_max_syn_backlog * 3/4 + 1"

/* SYN-RECV sockets on local port `port` in this network namespace, IPv4
 * and IPv6. 0 and *out set, or -1 (errno) when sock_diag is unavailable. */
int synq_count(uint16_t port, uint64_t *out);

/* A thread sampling synq_count of ports port .. port+nports-1 every 100 ms,
 * keeping the peak of the fullest (each listener has its own queue). */
struct synq_sampler {
	pthread_t thread;
	uint16_t port;
	unsigned nports;
	bool running;
	atomic_bool stop;
	_Atomic uint64_t peak;
	atomic_bool ok; /* at least one sample was read */
};

/* 0, or -1 when the first read or the thread fails (nothing is running). */
int synq_sampler_start(struct synq_sampler *s, uint16_t port, unsigned nports);
/* Stops and joins the thread (safe on one never started). Returns the peak,
 * or -1 when nothing could be read. */
int64_t synq_sampler_stop(struct synq_sampler *s);

#endif
