/* Per-worker statistics, shared with the reporter.
 *
 * Each worker owns one `struct wshared`, in a MAP_SHARED mapping so that
 * worker processes (past the fd limit) and threads report the same way.
 * Counters have one writer (the worker) and are read by the reporter with
 * relaxed atomics: no lock prefix, no contention on the hot path. Histograms
 * are merged by the worker into `pending` a few times a second under a
 * process-shared mutex; the reporter takes and resets them once a second. */
#ifndef TCPSWARM_STATS_H
#define TCPSWARM_STATS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpswarm/hist.h"

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
	CR__COUNT
};

typedef _Atomic uint64_t ctr_t;

struct wcounters {
	ctr_t conn_attempts, conn_established, conn_failed, conn_open, accepted, closed;
	ctr_t req_sent, req_answered, req_errors, req_intended, req_lost;
	ctr_t bytes_in, bytes_out, accept_errors;
	ctr_t errs[ES__COUNT];
	ctr_t close[CR__COUNT];
	ctr_t listen_queue, listen_queue_peak; /* server: accept queue gauge */
	ctr_t last_established_ns;             /* client: monotonic time of the latest */
	ctr_t rcode[16];                       /* dns answers by RCODE */
	ctr_t status[6];                       /* http responses: [1..5] = 1xx..5xx, [0] other */
	ctr_t bad_length;                      /* http: body length differed from the one asked */
};

struct wshared {
	_Alignas(64) struct wcounters c;
	_Alignas(64) pthread_mutex_t lock; /* guards the histograms below */
	struct hist lat_pending;           /* request latency since last take */
	struct hist lat_total;
	struct hist conn_lat_total;        /* connect latency, whole run */
	atomic_int done;                   /* worker finished and published */
	atomic_int phase_seen;             /* client: the run phase this worker acts on */
	uint64_t rss_base;                 /* first worker of a process: its RSS before connecting */
	int exit_error;                    /* errno if the worker failed */
};

/* Single-writer increment: a relaxed load and store, not a locked RMW. */
static inline void ctr_add(ctr_t *c, uint64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n, memory_order_relaxed);
}
static inline void ctr_sub(ctr_t *c, uint64_t n) { ctr_add(c, (uint64_t)0 - n); }
static inline void ctr_set(ctr_t *c, uint64_t v) { atomic_store_explicit(c, v, memory_order_relaxed); }
static inline uint64_t ctr_get(ctr_t *c) { return atomic_load_explicit(c, memory_order_relaxed); }

enum errslot errslot_of(int err);
const char *errslot_name(enum errslot s);
const char *close_reason_name(enum close_reason r);
enum close_reason close_reason_of(int err); /* an I/O errno: ECONNRESET/EPIPE CR_RESET, else CR_IO_ERROR */

/* n slots in one shared anonymous mapping; NULL with errno set on failure. */
struct wshared *wshared_alloc(size_t n);
void wshared_free(struct wshared *w, size_t n);
/* Maps the slots' pages into this process (a worker process reaches them
 * only through its first publish): done before the RSS baseline so the
 * per-connection memory figure holds per-connection costs only. */
void wshared_prefault(struct wshared *w, size_t n);

/* Plain (non-atomic) sum of every worker's counters, for the reporter. */
struct totals {
	uint64_t conn_attempts, conn_established, conn_failed, conn_open, accepted, closed;
	uint64_t req_sent, req_answered, req_errors, req_intended, req_lost;
	uint64_t bytes_in, bytes_out, accept_errors;
	uint64_t errs[ES__COUNT];
	uint64_t close[CR__COUNT];
	uint64_t listen_queue;        /* all listeners' queues now, summed */
	uint64_t listen_queue_peak;   /* the fullest single listener's peak */
	uint64_t last_established_ns; /* the latest over all workers */
	uint64_t rcode[16], status[6], bad_length;
	uint64_t rtt_written, rtt_dropped; /* --rtt-log lines */
};
void totals_collect(struct wshared *w, size_t n, struct totals *t);
/* Moves every worker's pending latencies into `into` (and resets them). */
void wshared_take_latency(struct wshared *w, size_t n, struct hist *into);

#endif
