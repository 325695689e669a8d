/* Per-worker statistics, shared with the reporter.
 *
 * Each worker owns one `struct wshared`, in a MAP_SHARED mapping so that
 * worker processes (past the fd limit) and threads report the same way.
 * The counters (counters.h) have one writer (the worker) and are read by
 * the reporter with relaxed atomics. Histograms are merged by the worker
 * into `pending` a few times a second under a process-shared mutex; the
 * reporter takes and resets them once a second. */
#ifndef TCPSWARM_STATS_H
#define TCPSWARM_STATS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpswarm/counters.h"
#include "tcpswarm/hist.h"

struct wshared {
	_Alignas(64) struct wcounters c;
	_Alignas(64) pthread_mutex_t lock; /* guards the histograms below */
	struct hist lat_pending;           /* request latency since last take */
	struct hist lat_total;
	struct hist conn_lat_total;        /* connect latency, whole run */
	struct hist hs_lat_total;          /* client --tls: TLS handshake time, whole run */
	struct hist svc_pending, svc_total; /* client: service time (from the actual send) */
	struct hist lag_pending, lag_total; /* client: send lag (actual minus intended) */
	struct hist own_pending, own_total; /* client: send lag of requests free to leave */
	atomic_int done;                   /* worker finished and published */
	atomic_int phase_seen;             /* client: the run phase this worker acts on */
	atomic_int turn_done;              /* client: started all its first opens (client_turns.c) */
	uint64_t rss_base;                 /* first worker of a process: its RSS before connecting */
	int exit_error;                    /* errno if the worker failed */
};

/* n slots in one shared anonymous mapping; NULL with errno set on failure. */
struct wshared *wshared_alloc(size_t n);
void wshared_free(struct wshared *w, size_t n);
/* Maps the slots' pages into this process (a worker process reaches them
 * only through its first publish): done before the RSS baseline so the
 * per-connection memory figure holds per-connection costs only. */
void wshared_prefault(struct wshared *w, size_t n);
/* The slot's lock (robust: a worker process killed while holding it does
 * not hang the reporter). */
void wshared_lock(struct wshared *w);
void wshared_unlock(struct wshared *w);

/* Every worker's counters combined (totals_add), for the reporter. */
void totals_collect(struct wshared *w, size_t n, struct totals *t);
/* Moves every worker's pending latencies into `into` (and resets them). */
void wshared_take_latency(struct wshared *w, size_t n, struct hist *into);
/* A worker's service-time and send-lag figures since its last publish into
 * its pending and total histograms (the caller holds w->lock). */
void wshared_add_honest(struct wshared *w, const struct hist *svc, const struct hist *lag, const struct hist *own);
/* Moves every worker's pending service times, send lags and own send lags
 * into svc, lag and own (and resets them); with totals, merges the
 * whole-run ones instead. */
void wshared_take_honest(struct wshared *w, size_t n, struct hist *svc, struct hist *lag, struct hist *own, int totals);

#endif
