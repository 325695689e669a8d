/* What a run counts, as plain data: the errno slots, the reasons a
 * connection ended, and the one list of counters from which both the
 * workers' live counters (struct wcounters) and the reporter's sums
 * (struct totals) are generated. Pure: no threads, no I/O.
 *
 * Adding a counter is one line in TCPSWARM_COUNTERS: the field appears in
 * both structs and totals_add combines it as its line says. */
#ifndef TCPSWARM_COUNTERS_H
#define TCPSWARM_COUNTERS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* errno values worth naming in a report; the rest land in ES_OTHER */
enum errslot {
	ES_ECONNREFUSED, ES_ETIMEDOUT, ES_ECONNRESET, ES_EADDRNOTAVAIL, ES_EADDRINUSE,
	ES_EMFILE, ES_ENFILE, ES_ENOBUFS, ES_ENOMEM, ES_EHOSTUNREACH, ES_ENETUNREACH,
	ES_EPIPE, ES_EACCES, ES_EPERM, ES_EINVAL, ES_EPROTO, ES_OTHER, ES__COUNT
};

/* why a connection ended (one count per closed or failed connection) */
enum close_reason {
	CR_CONNECT_FAILED,  /* connect() or SO_ERROR reported an errno */
	CR_CONNECT_TIMEOUT, /* --connect-timeout passed */
	CR_PEER_CLOSED,     /* orderly EOF from the peer */
	CR_RESET,           /* ECONNRESET / EPIPE while established */
	CR_IO_ERROR,        /* any other read/write errno */
	CR_PROTOCOL,        /* reply did not match what was sent */
	CR_NO_CARRY,        /* no carry-over buffer left for a split frame */
	CR_RUN_END,         /* closed by us at the end of the run */
	CR_LIFETIME,        /* closed by us: --conn-lifetime passed (nothing in flight) */
	CR_REQUESTS,        /* closed by us: --conn-requests answered (nothing in flight) */
	CR_REQUEST_TIMEOUT, /* server: a request unfinished for --request-timeout */
	CR_IDLE_TIMEOUT,    /* server: nothing read or written for --idle-timeout */
	CR_SCHEDULE,        /* closed by us: --conn-schedule fell (nothing in flight) */
	CR_TLS_CERT,        /* TLS handshake failed on a certificate (ours refused, or theirs) */
	CR_TLS_PROTOCOL,    /* TLS handshake failed otherwise (versions, ciphers, a bad record) */
	CR_TLS_TIMEOUT,     /* client: TLS handshake still going at --connect-timeout */
	CR__COUNT
};

#define DNS_RCODES 16  /* rcode[]: one slot per 4-bit RCODE */
#define HTTP_CLASSES 6 /* status[]: [1..5] = 1xx..5xx, [0] other */

/* The counter list. COUNTER(name, how): one value, combined over workers
 * by `sum` or `max`; COUNTER_ARRAY(name, n): n values, each summed.
 * Order is the struct layout; comments say who writes a counter. */
#define TCPSWARM_COUNTERS(COUNTER, COUNTER_ARRAY)                                      \
	COUNTER(conn_attempts, sum)                                                    \
	COUNTER(conn_established, sum)                                                 \
	COUNTER(conn_failed, sum)                                                      \
	COUNTER(conn_open, sum)                                                        \
	COUNTER(accepted, sum)                                                         \
	COUNTER(closed, sum)                                                           \
	COUNTER(req_sent, sum)                                                         \
	COUNTER(req_answered, sum)                                                     \
	COUNTER(req_errors, sum)                                                       \
	COUNTER(req_intended, sum)                                                     \
	COUNTER(req_lost, sum)                                                         \
	COUNTER(bytes_in, sum)                                                         \
	COUNTER(bytes_out, sum)                                                        \
	COUNTER(accept_errors, sum)                                                    \
	COUNTER_ARRAY(errs, ES__COUNT)                                                 \
	COUNTER_ARRAY(close, CR__COUNT)                                                \
	COUNTER(listen_queue, sum)        /* server: all listeners' queues now */      \
	COUNTER(listen_queue_peak, max)   /* server: fullest listener (one per worker) */ \
	COUNTER(accept_batched, sum)      /* server: connections taken by a due --accept-batch */ \
	COUNTER(last_established_ns, max) /* client: monotonic time of the latest first open */ \
	COUNTER_ARRAY(rcode, DNS_RCODES)  /* dns answers by RCODE */                   \
	COUNTER_ARRAY(status, HTTP_CLASSES) /* http responses by class */              \
	COUNTER(bad_length, sum)          /* http: body length differed from the one asked */ \
	COUNTER(conn_reopened, sum)       /* client: established again on a slot that had been open */ \
	COUNTER(req_not_sent, sum)        /* client: intended while the slot's connection was down */ \
	COUNTER(outage_ns, max)           /* client: a worker's longest time with no connection open */ \
	COUNTER(cpu_ns, sum)              /* CPU time of the worker threads (thread clock) */ \
	COUNTER(tls_full, sum)            /* TLS handshakes completed with a full exchange */ \
	COUNTER(tls_resumed, sum)         /* TLS handshakes completed resuming a session */ \
	COUNTER(tls_fail_cert, sum)       /* TLS handshakes failed: certificate */ \
	COUNTER(tls_fail_protocol, sum)   /* TLS handshakes failed: protocol */ \
	COUNTER(tls_fail_timeout, sum)    /* client: TLS handshakes cut by --connect-timeout */ \
	COUNTER(tls_alpn_missed, sum)     /* client: handshakes where no --alpn protocol was agreed */

typedef _Atomic uint64_t ctr_t;

#define TCPSWARM_CTR_FIELD_(name, how) ctr_t name;
#define TCPSWARM_CTR_ARRAY_FIELD_(name, n) ctr_t name[n];
#define TCPSWARM_TOT_FIELD_(name, how) uint64_t name;
#define TCPSWARM_TOT_ARRAY_FIELD_(name, n) uint64_t name[n];

/* One worker's counters. Each has one writer (the worker); the reporter
 * reads them with relaxed atomics: no lock prefix on the hot path. */
struct wcounters {
	TCPSWARM_COUNTERS(TCPSWARM_CTR_FIELD_, TCPSWARM_CTR_ARRAY_FIELD_)
};

/* Plain (non-atomic) combination of every worker's counters, for the reporter. */
struct totals {
	TCPSWARM_COUNTERS(TCPSWARM_TOT_FIELD_, TCPSWARM_TOT_ARRAY_FIELD_)
	uint64_t rtt_written, rtt_dropped; /* --rtt-log lines: the writer's, not a worker's */
};

/* Single-writer increment: a relaxed load and store, not a locked RMW. */
static inline void ctr_add(ctr_t *c, uint64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n, memory_order_relaxed);
}
static inline void ctr_sub(ctr_t *c, uint64_t n) { ctr_add(c, (uint64_t)0 - n); }
static inline void ctr_set(ctr_t *c, uint64_t v) { atomic_store_explicit(c, v, memory_order_relaxed); }
static inline uint64_t ctr_get(const ctr_t *c) { return atomic_load_explicit(c, memory_order_relaxed); }

/* Combines one worker's counters into t, each as the list says. */
void totals_add(struct totals *t, const struct wcounters *c);

enum errslot errslot_of(int err);
const char *errslot_name(enum errslot s);
const char *close_reason_name(enum close_reason r);
/* An I/O errno as a close reason: ECONNRESET/EPIPE are resets, the rest I/O errors. */
enum close_reason close_reason_of(int err);

#endif
