#include "tcpswarm/stats.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "tcpswarm/prefault.h"

struct wshared *wshared_alloc(size_t n)
{
	void *p = mmap(NULL, n * sizeof(struct wshared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	struct wshared *w = p;
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	/* a worker process killed while it publishes must not leave the lock
	 * held: the reporter then hung in wshared_take_latency for good (TSan
	 * run of child_killed, where a publish is slow enough to be hit) */
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	prefault_zeroed(w, n * sizeof(*w)); /* a fresh mapping: all zero */
	for (size_t i = 0; i < n; i++) {
		pthread_mutex_init(&w[i].lock, &a);
		struct hist *h[] = {&w[i].lat_pending, &w[i].lat_total, &w[i].conn_lat_total, &w[i].hs_lat_total,
				    &w[i].svc_pending, &w[i].svc_total, &w[i].lag_pending, &w[i].lag_total,
				    &w[i].own_pending, &w[i].own_total};
		for (size_t k = 0; k < sizeof(h) / sizeof(h[0]); k++)
			hist_init_zeroed(h[k]);
	}
	pthread_mutexattr_destroy(&a);
	return w;
}

void wshared_free(struct wshared *w, size_t n)
{
	if (!w)
		return;
	for (size_t i = 0; i < n; i++)
		pthread_mutex_destroy(&w[i].lock);
	munmap(w, n * sizeof(*w));
}

void wshared_prefault(struct wshared *w, size_t n) { prefault_shared(w, n * sizeof(*w)); }

void wshared_lock(struct wshared *w)
{
	/* the owner died holding it: its histograms may be half merged, and
	 * the run already reports a dead worker's figures as partial */
	if (pthread_mutex_lock(&w->lock) == EOWNERDEAD)
		pthread_mutex_consistent(&w->lock);
}

void wshared_unlock(struct wshared *w) { pthread_mutex_unlock(&w->lock); }

void totals_collect(struct wshared *w, size_t n, struct totals *t)
{
	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < n; i++)
		totals_add(t, &w[i].c);
}

void wshared_take_latency(struct wshared *w, size_t n, struct hist *into)
{
	for (size_t i = 0; i < n; i++) {
		wshared_lock(&w[i]);
		if (w[i].lat_pending.count) {
			hist_merge(into, &w[i].lat_pending);
			hist_reset(&w[i].lat_pending);
		}
		wshared_unlock(&w[i]);
	}
}

void wshared_add_honest(struct wshared *w, const struct hist *svc, const struct hist *lag, const struct hist *own)
{
	const struct hist *from[3] = {svc, lag, own};
	struct hist *pending[3] = {&w->svc_pending, &w->lag_pending, &w->own_pending};
	struct hist *total[3] = {&w->svc_total, &w->lag_total, &w->own_total};
	for (int k = 0; k < 3; k++)
		if (from[k]->count) {
			hist_merge(pending[k], from[k]);
			hist_merge(total[k], from[k]);
		}
}

void wshared_take_honest(struct wshared *w, size_t n, struct hist *svc, struct hist *lag, struct hist *own, int totals)
{
	for (size_t i = 0; i < n; i++) {
		struct hist *pending[3] = {&w[i].svc_pending, &w[i].lag_pending, &w[i].own_pending};
		struct hist *total[3] = {&w[i].svc_total, &w[i].lag_total, &w[i].own_total};
		struct hist *into[3] = {svc, lag, own};
		wshared_lock(&w[i]);
		for (int k = 0; k < 3; k++) {
			struct hist *src = totals ? total[k] : pending[k];
			if (!src->count)
				continue;
			hist_merge(into[k], src);
			if (!totals)
				hist_reset(src);
		}
		wshared_unlock(&w[i]);
	}
}
