/* --rtt-log: one CSV line per answered request, written by a background
 * thread so that it cannot slow the load. Each worker pushes into its own
 * single-producer ring (in a shared mapping: worker processes too); when a
 * ring is full the line is dropped and counted, never waited for. */
#ifndef TCPSWARM_RTTLOG_H
#define TCPSWARM_RTTLOG_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define RTT_RING_RECS 16384u /* per worker: ~0.4 MiB */

struct rtt_rec {
	uint64_t t_us;   /* answer time, since the start of the run */
	uint64_t lat_us; /* from the intended send time */
	uint32_t conn;   /* global connection id */
	uint32_t req;    /* request number on that connection */
};

struct rtt_ring {
	_Alignas(64) _Atomic uint64_t head; /* next slot the worker writes */
	_Alignas(64) _Atomic uint64_t tail; /* next slot the writer reads */
	_Atomic uint64_t dropped;
	struct rtt_rec rec[RTT_RING_RECS];
};

struct rtt_ring *rtt_rings_alloc(size_t n);
void rtt_rings_free(struct rtt_ring *r, size_t n);

/* Worker side: no lock, no syscall. */
static inline void rtt_push(struct rtt_ring *r, const struct rtt_rec *x)
{
	uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	if (head - atomic_load_explicit(&r->tail, memory_order_acquire) >= RTT_RING_RECS) {
		atomic_store_explicit(&r->dropped, atomic_load_explicit(&r->dropped, memory_order_relaxed) + 1,
				      memory_order_relaxed);
		return;
	}
	r->rec[head % RTT_RING_RECS] = *x;
	atomic_store_explicit(&r->head, head + 1, memory_order_release);
}

struct rttlog;
/* Opens path (the writer thread is not started yet); NULL with a message in err. */
struct rttlog *rttlog_start(const char *path, struct rtt_ring *rings, size_t n, char *err, size_t errcap);
/* Starts the writer thread, after the worker processes are forked: a child
 * forked while it holds the allocator or stdio lock would deadlock. On
 * failure it says so and rttlog_stop reports the log as failed. */
void rttlog_serve(struct rttlog *l);
/* Drains what is left, closes the file; returns lines written, and the
 * lines dropped in *dropped. -1 if writing failed (message on stderr). */
int64_t rttlog_stop(struct rttlog *l, uint64_t *dropped);

#endif
