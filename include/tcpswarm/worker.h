/* Worker threads: one per reactor, each pinned to its own CPU. Signals are
 * blocked in workers so that only the main (reporting) thread sees them. */
#ifndef TCPSWARM_WORKER_H
#define TCPSWARM_WORKER_H

#include <pthread.h>
#include <stddef.h>

/* Online CPUs this process may run on (sched_getaffinity), at least 1. */
unsigned worker_cpu_count(void);

struct worker_pool {
	pthread_t *threads;
	size_t n, started;
};

/* Starts n threads running fn(args[i]), thread i pinned to allowed CPU
 * number (first + i) modulo their count (first: the global index of this
 * process's first worker). 0 or -errno (p->started says how many run). */
int worker_pool_start(struct worker_pool *p, size_t n, size_t first, void *(*fn)(void *), void *const *args);
void worker_pool_join(struct worker_pool *p);

#endif
