/* Worker threads: one per reactor, each pinned to its own CPU. Signals are
 * blocked in workers so that only the main (reporting) thread sees them. */
#ifndef TCPSWARM_WORKER_H
#define TCPSWARM_WORKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

/* Online CPUs this process may run on (sched_getaffinity), at least 1. */
unsigned worker_cpu_count(void);

struct worker_pool {
	pthread_t *threads;
	size_t n, started;
};

/* Starts n threads running fn(args[i]). When the run's workers (total,
 * over all its processes) are no more than the allowed CPUs, thread i is
 * pinned to allowed CPU number first + i (first: the global index of this
 * process's first worker): one reactor per core. With more workers than
 * CPUs (a fan-out past the descriptor limit: 51 processes on 2 CPUs at 1M)
 * none is pinned, so the scheduler can balance them: pinned, the processes
 * of one CPU finished their share first and that CPU sat 37% idle through
 * the tail of a 1M run while the other was saturated (perf, 3 s at 30 s in).
 * 0 or -errno (p->started says how many run). */
int worker_pool_start(struct worker_pool *p, size_t n, size_t first, size_t total, void *(*fn)(void *),
		      void *const *args);
/* Whether a run of total workers pins them (total <= the allowed CPUs). */
bool worker_pins(size_t total);
/* Pins the calling thread to allowed CPU number k (modulo their count)
 * until worker_unpin_self restores the mask it had: a client worker pins
 * itself to its lane's CPU for its turn of first opens (client_turns.c),
 * so one worker per CPU connects, and is left to the scheduler after.
 * 0 or -errno. */
int worker_pin_self(size_t k);
int worker_unpin_self(void);
void worker_pool_join(struct worker_pool *p);

#endif
