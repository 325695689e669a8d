#define _GNU_SOURCE
#include "tcpswarm/worker.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

static int allowed_cpus(int *out, int cap)
{
	cpu_set_t set;
	int n = 0;
	/* the process's (its main thread's) mask: a worker thread may be
	 * pinned to one CPU already */
	if (sched_getaffinity(getpid(), sizeof(set), &set) != 0)
		return 0;
	for (int c = 0; c < CPU_SETSIZE && n < cap; c++)
		if (CPU_ISSET(c, &set))
			out[n++] = c;
	return n;
}

unsigned worker_cpu_count(void)
{
	int cpus[CPU_SETSIZE];
	int n = allowed_cpus(cpus, CPU_SETSIZE);
	return n > 0 ? (unsigned)n : 1;
}

bool worker_pins(size_t total) { return total <= worker_cpu_count(); }

static _Thread_local cpu_set_t mask_before_pin;
static _Thread_local bool pinned_self;

int worker_pin_self(size_t k)
{
	int cpus[CPU_SETSIZE];
	int n = allowed_cpus(cpus, CPU_SETSIZE);
	if (n <= 0)
		return -EINVAL;
	if (!pinned_self && pthread_getaffinity_np(pthread_self(), sizeof(mask_before_pin), &mask_before_pin) != 0)
		return -EINVAL;
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(cpus[k % (size_t)n], &one);
	int err = pthread_setaffinity_np(pthread_self(), sizeof(one), &one);
	if (!err)
		pinned_self = true;
	return -err;
}

int worker_unpin_self(void)
{
	if (!pinned_self)
		return 0;
	pinned_self = false;
	return -pthread_setaffinity_np(pthread_self(), sizeof(mask_before_pin), &mask_before_pin);
}

int worker_pool_start(struct worker_pool *p, size_t n, size_t first, size_t total, void *(*fn)(void *),
		      void *const *args)
{
	int cpus[CPU_SETSIZE];
	int ncpu = worker_pins(total) ? allowed_cpus(cpus, CPU_SETSIZE) : 0;
	p->threads = calloc(n, sizeof(*p->threads));
	p->n = n;
	p->started = 0;
	if (!p->threads)
		return -ENOMEM;
	/* workers inherit this mask: SIGINT/SIGTERM go to the main thread */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int err = 0;
	for (size_t i = 0; i < n; i++) {
		pthread_attr_t attr;
		pthread_attr_init(&attr);
		if (ncpu > 0) {
			cpu_set_t one;
			CPU_ZERO(&one);
			CPU_SET(cpus[(first + i) % (size_t)ncpu], &one);
			pthread_attr_setaffinity_np(&attr, sizeof(one), &one);
		}
		err = pthread_create(&p->threads[i], &attr, fn, args[i]);
		pthread_attr_destroy(&attr);
		if (err)
			break;
		p->started++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return -err;
}

void worker_pool_join(struct worker_pool *p)
{
	for (size_t i = 0; i < p->started; i++)
		pthread_join(p->threads[i], NULL);
	free(p->threads);
	p->threads = NULL;
	p->started = p->n = 0;
}
