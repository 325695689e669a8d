#include "tcpswarm/stats.h"

#include <string.h>
#include <sys/mman.h>

struct wshared *wshared_alloc(size_t n)
{
	void *p = mmap(NULL, n * sizeof(struct wshared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	struct wshared *w = p;
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	for (size_t i = 0; i < n; i++) {
		pthread_mutex_init(&w[i].lock, &a);
		hist_reset(&w[i].lat_pending);
		hist_reset(&w[i].lat_total);
		hist_reset(&w[i].conn_lat_total);
		hist_reset(&w[i].svc_pending);
		hist_reset(&w[i].svc_total);
		hist_reset(&w[i].lag_pending);
		hist_reset(&w[i].lag_total);
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

void wshared_prefault(struct wshared *w, size_t n)
{
	volatile const uint8_t *p = (const uint8_t *)w;
	size_t bytes = n * sizeof(*w);
	uint8_t sink = 0;
	for (size_t off = 0; off < bytes; off += 4096)
		sink ^= p[off];
	(void)sink;
}

void totals_collect(struct wshared *w, size_t n, struct totals *t)
{
	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < n; i++)
		totals_add(t, &w[i].c);
}

void wshared_take_latency(struct wshared *w, size_t n, struct hist *into)
{
	for (size_t i = 0; i < n; i++) {
		pthread_mutex_lock(&w[i].lock);
		if (w[i].lat_pending.count) {
			hist_merge(into, &w[i].lat_pending);
			hist_reset(&w[i].lat_pending);
		}
		pthread_mutex_unlock(&w[i].lock);
	}
}

void wshared_add_honest(struct wshared *w, const struct hist *svc, const struct hist *lag)
{
	if (svc->count) {
		hist_merge(&w->svc_pending, svc);
		hist_merge(&w->svc_total, svc);
	}
	if (lag->count) {
		hist_merge(&w->lag_pending, lag);
		hist_merge(&w->lag_total, lag);
	}
}

void wshared_take_honest(struct wshared *w, size_t n, struct hist *svc, struct hist *lag, int totals)
{
	for (size_t i = 0; i < n; i++) {
		pthread_mutex_lock(&w[i].lock);
		if (totals) {
			hist_merge(svc, &w[i].svc_total);
			hist_merge(lag, &w[i].lag_total);
		} else {
			hist_merge(svc, &w[i].svc_pending);
			hist_merge(lag, &w[i].lag_pending);
			hist_reset(&w[i].svc_pending);
			hist_reset(&w[i].lag_pending);
		}
		pthread_mutex_unlock(&w[i].lock);
	}
}
