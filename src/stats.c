#include "tcpswarm/stats.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

static const struct {
	int err;
	const char *name;
} errnames[ES__COUNT] = {
	[ES_ECONNREFUSED] = {ECONNREFUSED, "ECONNREFUSED"}, [ES_ETIMEDOUT] = {ETIMEDOUT, "ETIMEDOUT"},
	[ES_ECONNRESET] = {ECONNRESET, "ECONNRESET"},       [ES_EADDRNOTAVAIL] = {EADDRNOTAVAIL, "EADDRNOTAVAIL"},
	[ES_EADDRINUSE] = {EADDRINUSE, "EADDRINUSE"},       [ES_EMFILE] = {EMFILE, "EMFILE"},
	[ES_ENFILE] = {ENFILE, "ENFILE"},                   [ES_ENOBUFS] = {ENOBUFS, "ENOBUFS"},
	[ES_ENOMEM] = {ENOMEM, "ENOMEM"},                   [ES_EHOSTUNREACH] = {EHOSTUNREACH, "EHOSTUNREACH"},
	[ES_ENETUNREACH] = {ENETUNREACH, "ENETUNREACH"},    [ES_EPIPE] = {EPIPE, "EPIPE"},
	[ES_EACCES] = {EACCES, "EACCES"},                   [ES_EPERM] = {EPERM, "EPERM"},
	[ES_EINVAL] = {EINVAL, "EINVAL"},                   [ES_EPROTO] = {EPROTO, "EPROTO"},
	[ES_OTHER] = {0, "other"},
};

static const char *const crnames[CR__COUNT] = {
	[CR_CONNECT_FAILED] = "connect_failed", [CR_CONNECT_TIMEOUT] = "connect_timeout",
	[CR_PEER_CLOSED] = "peer_closed",       [CR_RESET] = "reset",
	[CR_IO_ERROR] = "io_error",             [CR_PROTOCOL] = "protocol_error",
	[CR_NO_CARRY] = "no_carry_buffer",      [CR_RUN_END] = "run_end",
};

enum errslot errslot_of(int err)
{
	for (int i = 0; i < ES_OTHER; i++)
		if (errnames[i].err == err)
			return (enum errslot)i;
	return ES_OTHER;
}

const char *errslot_name(enum errslot s) { return s < ES__COUNT ? errnames[s].name : "?"; }
const char *close_reason_name(enum close_reason r) { return r < CR__COUNT ? crnames[r] : "?"; }

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
	for (size_t i = 0; i < n; i++) {
		struct wcounters *c = &w[i].c;
		t->conn_attempts += ctr_get(&c->conn_attempts);
		t->conn_established += ctr_get(&c->conn_established);
		t->conn_failed += ctr_get(&c->conn_failed);
		t->conn_open += ctr_get(&c->conn_open);
		t->accepted += ctr_get(&c->accepted);
		t->closed += ctr_get(&c->closed);
		t->req_sent += ctr_get(&c->req_sent);
		t->req_answered += ctr_get(&c->req_answered);
		t->req_errors += ctr_get(&c->req_errors);
		t->req_intended += ctr_get(&c->req_intended);
		t->req_lost += ctr_get(&c->req_lost);
		t->bytes_in += ctr_get(&c->bytes_in);
		t->bytes_out += ctr_get(&c->bytes_out);
		t->accept_errors += ctr_get(&c->accept_errors);
		for (int e = 0; e < ES__COUNT; e++)
			t->errs[e] += ctr_get(&c->errs[e]);
		for (int r = 0; r < CR__COUNT; r++)
			t->close[r] += ctr_get(&c->close[r]);
		t->listen_queue += ctr_get(&c->listen_queue);
		/* each worker has its own listener and queue limit: the peak that
		 * compares with backlog_effective is the largest, not the sum */
		if (ctr_get(&c->listen_queue_peak) > t->listen_queue_peak)
			t->listen_queue_peak = ctr_get(&c->listen_queue_peak);
		for (int k = 0; k < 16; k++)
			t->rcode[k] += ctr_get(&c->rcode[k]);
		for (int k = 0; k < 6; k++)
			t->status[k] += ctr_get(&c->status[k]);
		t->bad_length += ctr_get(&c->bad_length);
		if (ctr_get(&c->last_established_ns) > t->last_established_ns)
			t->last_established_ns = ctr_get(&c->last_established_ns);
	}
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

enum close_reason close_reason_of(int err)
{
	return err == ECONNRESET || err == EPIPE ? CR_RESET : CR_IO_ERROR;
}
