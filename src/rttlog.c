#include "tcpswarm/rttlog.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define DRAIN_EVERY_NS 20000000 /* 20 ms: 16k lines per worker ring = 800k lines/s each */

struct rttlog {
	FILE *f;
	const char *path;
	struct rtt_ring *rings;
	size_t n;
	pthread_t thread;
	bool serving; /* the writer thread runs */
	atomic_int stop;
	int64_t written;
	int err;
};

struct rtt_ring *rtt_rings_alloc(size_t n)
{
	void *p = mmap(NULL, n * sizeof(struct rtt_ring), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p; /* zero-filled: empty rings */
}

void rtt_rings_free(struct rtt_ring *r, size_t n)
{
	if (r)
		munmap(r, n * sizeof(*r));
}

static void drain(struct rttlog *l)
{
	for (size_t i = 0; i < l->n; i++) {
		struct rtt_ring *r = &l->rings[i];
		uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
		uint64_t head = atomic_load_explicit(&r->head, memory_order_acquire);
		for (; tail < head; tail++) {
			const struct rtt_rec *x = &r->rec[tail % RTT_RING_RECS];
			if (fprintf(l->f, "%" PRIu64 ",%u,%u,%" PRIu64 "\n", x->t_us, x->conn, x->req, x->lat_us) < 0 &&
			    !l->err)
				l->err = errno ? errno : EIO;
			l->written++;
		}
		atomic_store_explicit(&r->tail, tail, memory_order_release);
	}
}

static void *writer(void *arg)
{
	struct rttlog *l = arg;
	struct timespec step = {0, DRAIN_EVERY_NS};
	while (!atomic_load_explicit(&l->stop, memory_order_acquire)) {
		drain(l);
		nanosleep(&step, NULL);
	}
	drain(l);
	return NULL;
}

struct rttlog *rttlog_start(const char *path, struct rtt_ring *rings, size_t n, char *err, size_t errcap)
{
	struct rttlog *l = calloc(1, sizeof(*l));
	if (!l) {
		snprintf(err, errcap, "out of memory");
		return NULL;
	}
	l->f = fopen(path, "w");
	if (!l->f) {
		snprintf(err, errcap, "cannot write --rtt-log '%s': %s", path, strerror(errno));
		free(l);
		return NULL;
	}
	setvbuf(l->f, NULL, _IOFBF, 1 << 20);
	fprintf(l->f, "time_us,conn,req,latency_us\n");
	l->path = path;
	l->rings = rings;
	l->n = n;
	atomic_init(&l->stop, 0);
	return l;
}

void rttlog_serve(struct rttlog *l)
{
	int rc = pthread_create(&l->thread, NULL, writer, l);
	if (rc) {
		fprintf(stderr, "tcpswarm: cannot start the --rtt-log writer: %s\n", strerror(rc));
		l->err = rc; /* rttlog_stop reports the log failed */
		return;
	}
	l->serving = true;
}

int64_t rttlog_stop(struct rttlog *l, uint64_t *dropped)
{
	atomic_store_explicit(&l->stop, 1, memory_order_release);
	if (l->serving)
		pthread_join(l->thread, NULL);
	*dropped = 0;
	for (size_t i = 0; i < l->n; i++)
		*dropped += atomic_load(&l->rings[i].dropped);
	if (fclose(l->f) != 0 && !l->err)
		l->err = errno;
	int64_t written = l->written;
	if (l->err) {
		fprintf(stderr, "tcpswarm: writing --rtt-log '%s' failed: %s\n", l->path, strerror(l->err));
		written = -1;
	}
	free(l);
	return written;
}
